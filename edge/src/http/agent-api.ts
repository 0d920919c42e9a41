/**
 * The agent desktop's HTTP API (mounted at /api/agent by app.ts): login/logout with site
 * credentials, own state, ready / not ready with a reason code of the bundle, and the stats of the
 * agent's queues. A session cookie (HttpOnly, SameSite=Strict) authenticates; every state-changing
 * request after login also needs the session's CSRF token in `X-CSRF-Token`. Bodies must be JSON.
 */
import { AgentState, type ConfigBundle } from '@hcc/proto';
import { type Logger, LoginThrottle } from '@hcc/shared';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { AgentBusyError, ReasonNotAllowedError, UnknownAgentError } from '../agent/errors.ts';
import type { AgentRegistry } from '../agent/registry.ts';
import type { Acd } from '../queue/router.ts';
import { queueSnapshot } from '../queue/stats.ts';
import {
  type AgentSession,
  type CredentialStore,
  hashPassword,
  type SessionStore,
  sameToken,
  verifyPassword,
} from './agent-api-auth.ts';

export const SESSION_COOKIE = 'hcc_agent';

export interface AgentApiDeps {
  agents: AgentRegistry;
  acd: Acd;
  /** The config in force (extension lookup, reason names). */
  config: () => ConfigBundle | undefined;
  credentials: CredentialStore;
  sessions: SessionStore;
  log: Logger;
  /** Set the cookie's Secure flag (HTTPS deployments). */
  secureCookie?: boolean;
  /**
   * Password guessing brake on /login, per extension and per client address (default: 5 failures
   * per extension or 20 per address within a minute lock it for 60 s: 429 + Retry-After).
   */
  loginThrottle?: LoginThrottle;
  /** After a logout: the agent's browser softphone loses its SIP credentials and registrations. */
  onLogout?: (agentId: string) => Promise<void> | void;
}

const LoginBody = z.object({
  extension: z.string().min(1).max(32),
  password: z.string().min(1).max(256),
});
const StateBody = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('not_ready'), reasonId: z.string().min(1).max(64) }),
]);

export type AgentApiEnv = { Variables: { session: AgentSession } };
type Env = AgentApiEnv;

const stateName = (s: AgentState) => (AgentState[s] ?? 'UNSPECIFIED').toLowerCase();

export function agentApi(deps: AgentApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  // Equalises the time of a login for an unknown extension with a real verification.
  const dummyHash = hashPassword('not-a-password');
  const throttle =
    deps.loginThrottle ?? new LoginThrottle({ clock: deps.acd.clock, perAccount: 5, perAddress: 20 });

  const parse = async <T>(c: Context, schema: z.ZodType<T>): Promise<T | Response> => {
    if (!(c.req.header('content-type') ?? '').startsWith('application/json'))
      return c.json({ error: 'unsupported_media_type', detail: 'body must be application/json' }, 415);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: 'invalid_json' }, 400);
    }
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    return c.json(
      {
        error: 'invalid_request',
        fields: r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
      },
      400,
    );
  };

  const authed = (csrf: boolean) => async (c: Context<Env>, next: () => Promise<void>) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? deps.sessions.get(token) : undefined;
    if (!session) return c.json({ error: 'unauthenticated' }, 401);
    if (csrf && !sameToken(c.req.header('x-csrf-token') ?? '', session.csrfToken))
      return c.json({ error: 'csrf_token_invalid', field: 'X-CSRF-Token' }, 403);
    c.set('session', session);
    await next();
  };

  const view = (agentId: string) => {
    const a = deps.agents.get(agentId);
    return {
      agentId,
      extension: a.config.extension,
      displayName: a.config.displayName,
      state: stateName(a.displayState()),
      presence: stateName(a.presence),
      reasonId: a.reasonId || null,
      interactions: [...a.work.values()].map((w) => ({
        interactionId: w.interactionId,
        channel: w.channel,
        state: stateName(w.state),
        queueId: w.queueId,
      })),
      allowedReasons: deps.agents.allowedReasons(agentId).map((id) => ({
        id,
        name: deps.config()?.notReadyReasons.find((r) => r.id === id)?.name ?? id,
      })),
    };
  };

  app.post('/login', async (c) => {
    const body = await parse(c, LoginBody);
    if (body instanceof Response) return body;
    // A locked extension or address gets no password check at all (even the right one is refused).
    const address = clientAddress(c);
    const verdict = throttle.attempt(body.extension, address);
    if (!verdict.allowed) {
      c.header('Retry-After', String(verdict.retryAfterS));
      return c.json({ error: 'too_many_attempts', retryAfterS: verdict.retryAfterS }, 429);
    }
    const agent = deps.config()?.agents.find((a) => a.extension === body.extension);
    const hash = agent ? await deps.credentials.hashOf(agent.id) : undefined;
    const ok = await verifyPassword(body.password, hash ?? (await dummyHash));
    if (!agent || !hash || !ok) {
      deps.log.warn({}, 'agent login refused');
      return c.json({ error: 'invalid_credentials' }, 401);
    }
    throttle.succeeded(body.extension, address);
    deps.agents.login(agent.id);
    const session = deps.sessions.create(agent.id);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: deps.secureCookie ?? false,
      path: '/api/agent',
    });
    deps.log.info({ agent: agent.id }, 'agent logged in');
    return c.json({ ...view(agent.id), csrfToken: session.csrfToken });
  });

  app.post('/logout', authed(true), async (c) => {
    const s = c.get('session');
    try {
      deps.agents.logout(s.agentId);
    } catch (err) {
      if (err instanceof AgentBusyError)
        return c.json({ error: 'agent_busy', detail: 'finish your interactions first' }, 409);
      throw err;
    }
    deps.sessions.delete(s.token);
    deleteCookie(c, SESSION_COOKIE, { path: '/api/agent' });
    try {
      await deps.onLogout?.(s.agentId);
    } catch (err) {
      deps.log.error({ err: (err as Error).name, agent: s.agentId }, 'logout clean-up failed');
    }
    return c.json({ agentId: s.agentId, state: 'logged_out' });
  });

  app.get('/me', authed(false), (c) => c.json(view(c.get('session').agentId)));

  app.post('/state', authed(true), async (c) => {
    const body = await parse(c, StateBody);
    if (body instanceof Response) return body;
    const id = c.get('session').agentId;
    try {
      if (body.state === 'ready') deps.agents.setReady(id);
      else deps.agents.setNotReady(id, body.reasonId);
    } catch (err) {
      if (err instanceof ReasonNotAllowedError)
        return c.json(
          { error: 'reason_not_allowed', field: 'reasonId', allowed: deps.agents.allowedReasons(id) },
          422,
        );
      throw err;
    }
    return c.json(view(id));
  });

  app.get('/queues', authed(false), (c) => {
    const id = c.get('session').agentId;
    const idx = deps.acd.currentIndex;
    const queues = idx?.agentQueues.get(id) ?? [];
    const now = deps.acd.clock.now();
    return c.json({
      queues: queues.map((q) => {
        const s = queueSnapshot(q, deps.agents, now);
        return {
          queueId: q.config.id,
          name: q.config.name,
          waiting: s.waiting,
          longestWaitMs: Number(s.longestWaitMs),
          agents: s.agents.map((a) => ({ state: stateName(a.state), count: a.count })),
        };
      }),
    });
  });

  app.onError((err, c) => {
    if (err instanceof UnknownAgentError) return c.json({ error: 'agent_not_configured' }, 409);
    deps.log.error({ err: err.name }, 'agent api error');
    return c.json({ error: 'internal_error' }, 500);
  });
  return app;
}

/** The peer's address as the socket sees it (a reverse proxy's own address when behind one). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (in-process requests in tests)
  }
}
