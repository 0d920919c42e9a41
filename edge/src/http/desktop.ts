/**
 * The agent desktop's own API (mounted at /api/agent/desktop, behind the agent session cookie and
 * CSRF token of agent-api.ts): SIP credentials for the browser softphone, screen pop, dispositions,
 * call history and a live stream (SSE) of the agent's state and queues. The built single-page app
 * is served by desktop-static.ts.
 */
import { AgentState, type ConfigBundle } from '@hcc/proto';
import type { Clock, Logger } from '@hcc/shared';
import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AgentRegistry } from '../agent/registry.ts';
import type { BrowserCredentials } from '../call/browser-device.ts';
import type { Acd } from '../queue/router.ts';
import { queueSnapshot } from '../queue/stats.ts';
import { SESSION_COOKIE } from './agent-api.ts';
import { type AgentSession, type SessionStore, sameToken } from './agent-api-auth.ts';
import type { DesktopData } from './desktop-data.ts';
import { StreamLimiter, tooManyStreams } from './stream-limit.ts';

export const DISPOSITION_CODES = [
  { id: 'resolved', name: 'Resolved' },
  { id: 'follow-up', name: 'Follow-up needed' },
  { id: 'callback', name: 'Callback scheduled' },
  { id: 'escalated', name: 'Escalated' },
  { id: 'wrong-number', name: 'Wrong number' },
];

export interface DesktopApiDeps {
  agents: AgentRegistry;
  acd: Acd;
  config: () => ConfigBundle | undefined;
  sessions: SessionStore;
  data: DesktopData;
  browser: BrowserCredentials;
  /** Where the browser reaches SIP over WebSocket: port and whether it is wss. */
  sipWs: { port: number; secure: boolean; path: string };
  clock: Clock;
  log: Logger;
  /** Live stream tick (ms). */
  tickMs?: number;
  /** Open SSE streams per session (shared with the supervisor API); default: 4 for this API alone. */
  streams?: StreamLimiter;
}

export type DesktopEnv = { Variables: { session: AgentSession } };

const DispositionBody = z.object({
  interactionId: z.string().min(1).max(128),
  code: z.string().min(1).max(64),
  notes: z.string().max(4000).default(''),
});

const stateName = (s: AgentState) => (AgentState[s] ?? 'UNSPECIFIED').toLowerCase();

/** Session (and, for state changes, CSRF) check shared by the desktop and supervisor APIs. */
export function sessionAuth(sessions: SessionStore) {
  return (csrf: boolean) => async (c: Context<DesktopEnv>, next: () => Promise<void>) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? sessions.get(token) : undefined;
    if (!session) return c.json({ error: 'unauthenticated' }, 401);
    if (csrf && !sameToken(c.req.header('x-csrf-token') ?? '', session.csrfToken))
      return c.json({ error: 'csrf_token_invalid', field: 'X-CSRF-Token' }, 403);
    c.set('session', session);
    await next();
  };
}

/** The agent's state, work and queues as the desktop shows them (also the SSE payload). */
export function liveView(deps: Pick<DesktopApiDeps, 'agents' | 'acd' | 'config'>, agentId: string) {
  const a = deps.agents.get(agentId);
  const bundle = deps.config();
  const now = deps.acd.clock.now();
  const queues = deps.acd.currentIndex?.agentQueues.get(agentId) ?? [];
  return {
    agentId,
    extension: a.config.extension,
    displayName: a.config.displayName,
    state: stateName(a.displayState()),
    presence: stateName(a.presence),
    reasonId: a.reasonId || null,
    work: [...a.work.values()].map((w) => {
      const wrapS = bundle?.queues.find((q) => q.id === w.queueId)?.wrapUpSeconds ?? 0;
      return {
        interactionId: w.interactionId,
        state: stateName(w.state),
        queueId: w.queueId,
        since: w.since,
        wrapUpEndsAt: w.state === AgentState.WRAP_UP && wrapS > 0 ? w.since + wrapS * 1000 : null,
      };
    }),
    queues: queues.map((q) => {
      const s = queueSnapshot(q, deps.agents, now);
      return {
        queueId: q.config.id,
        name: q.config.name,
        waiting: s.waiting,
        longestWaitMs: Number(s.longestWaitMs),
        ready: s.agents.find((x) => x.state === AgentState.READY)?.count ?? 0,
      };
    }),
    now,
  };
}

export function desktopApi(deps: DesktopApiDeps): Hono<DesktopEnv> {
  const app = new Hono<DesktopEnv>();
  const authed = sessionAuth(deps.sessions);

  app.get('/config', authed(false), (c) => {
    const id = c.get('session').agentId;
    const b = deps.config();
    return c.json({
      agentId: id,
      dispositionCodes: DISPOSITION_CODES,
      reasons: deps.agents
        .allowedReasons(id)
        .map((r) => ({ id: r, name: b?.notReadyReasons.find((x) => x.id === r)?.name ?? r })),
      queues: (b?.queues ?? []).map((q) => ({ id: q.id, name: q.name })),
      agents: (b?.agents ?? [])
        .filter((a) => a.id !== id)
        .map((a) => ({ id: a.id, extension: a.extension, name: a.displayName })),
    });
  });

  /** Fresh SIP credentials for this login's softphone (the previous ones stop working). */
  app.post('/sip', authed(true), (c) => {
    const id = c.get('session').agentId;
    const cred = deps.browser.issue(id);
    return c.json({ ...cred, ws: deps.sipWs });
  });

  app.get('/interactions/:id', authed(false), async (c) => {
    const agentId = c.get('session').agentId;
    const interactionId = c.req.param('id') ?? '';
    const live = deps.agents.find(agentId)?.work.has(interactionId) ?? false;
    if (!(await deps.data.involved(agentId, interactionId, live))) return c.json({ error: 'not_found' }, 404);
    const pop = await deps.data.screenPop(interactionId);
    return pop ? c.json(pop) : c.json({ error: 'not_found' }, 404);
  });

  app.post('/dispositions', authed(true), async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: 'invalid_json' }, 400);
    }
    const r = DispositionBody.safeParse(raw);
    if (!r.success) return c.json({ error: 'invalid_request' }, 400);
    if (!DISPOSITION_CODES.some((d) => d.id === r.data.code))
      return c.json({ error: 'unknown_code', field: 'code' }, 422);
    const agentId = c.get('session').agentId;
    const live = deps.agents.find(agentId)?.work.has(r.data.interactionId) ?? false;
    if (!(await deps.data.involved(agentId, r.data.interactionId, live)))
      return c.json({ error: 'not_found' }, 404);
    await deps.data.saveDisposition({ ...r.data, agentId });
    return c.json({ ok: true });
  });

  app.get('/history', authed(false), async (c) =>
    c.json({ calls: await deps.data.history(c.get('session').agentId) }),
  );

  const streams = deps.streams ?? new StreamLimiter();
  app.get('/live', authed(false), (c) => {
    const { agentId, token } = c.get('session');
    const release = streams.acquire(token);
    if (!release) return tooManyStreams(c, streams.max);
    return streamSSE(c, async (stream) => {
      stream.onAbort(release);
      try {
        let last = '';
        while (!stream.aborted && !stream.closed) {
          const v = JSON.stringify(liveView(deps, agentId));
          // The clock ticks `now` every time: compare without it.
          const key = v.replace(/"now":\d+/, '');
          if (key !== last) {
            last = key;
            await stream.writeSSE({ event: 'live', data: v });
          }
          await stream.sleep(deps.tickMs ?? 500);
        }
      } finally {
        release();
      }
    });
  });

  app.onError((err, c) => {
    deps.log.error({ err: err.name }, 'desktop api error');
    return c.json({ error: 'internal_error' }, 500);
  });
  return app;
}
