/**
 * Supervisor view at the edge (mounted at /api/agent/supervisor): the site's agents and queues
 * live (SSE), calls in progress, and forcing an agent's state. Needs an agent session whose agent
 * is a supervisor (EDGE_SUPERVISORS); changes need the CSRF token.
 */
import { AgentState, AgentStateCause, type ConfigBundle } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AgentRegistry } from '../agent/registry.ts';
import type { CallRegistry, CallSession, LegRef } from '../call/index.ts';
import type { Acd } from '../queue/router.ts';
import { queueSnapshot } from '../queue/stats.ts';
import type { SessionStore } from './agent-api-auth.ts';
import { type DesktopEnv, sessionAuth } from './desktop.ts';
import { StreamLimiter, tooManyStreams } from './stream-limit.ts';

export interface SupervisorDeps {
  agents: AgentRegistry;
  acd: Acd;
  config: () => ConfigBundle | undefined;
  sessions: SessionStore;
  calls: CallRegistry<CallSession, LegRef>;
  isSupervisor: (agentId: string) => boolean;
  log: Logger;
  /** Open SSE streams per session (shared with the desktop API); default: 4 for this API alone. */
  streams?: StreamLimiter;
}

const ForceBody = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('not_ready'), reasonId: z.string().min(1).max(64) }),
  z.object({ state: z.literal('logged_out') }),
]);

const name = (s: AgentState) => (AgentState[s] ?? 'UNSPECIFIED').toLowerCase();

/** The site as a supervisor sees it: no caller numbers or names (ids, states and times only). */
export function siteView(d: Pick<SupervisorDeps, 'agents' | 'acd' | 'calls' | 'config'>) {
  const now = d.acd.clock.now();
  const idx = d.acd.currentIndex;
  return {
    agents: [...d.agents.all()].map((a) => ({
      agentId: a.id,
      extension: a.config.extension,
      name: a.config.displayName,
      state: name(a.displayState()),
      reasonId: a.reasonId || null,
      interactions: [...a.work.keys()],
    })),
    queues: [...(idx?.queues.values() ?? [])].map((q) => {
      const s = queueSnapshot(q, d.agents, now);
      return {
        queueId: q.config.id,
        name: q.config.name,
        waiting: s.waiting,
        longestWaitMs: Number(s.longestWaitMs),
        agents: s.agents.map((x) => ({ state: name(x.state), count: x.count })),
      };
    }),
    calls: [...d.calls.all()].map((s) => ({
      interactionId: s.interactionId,
      state: s.state,
      queueId: s.cdr.queueId,
      agentId: s.peers.current?.agentId ?? null,
    })),
    now,
  };
}

export function supervisorApi(deps: SupervisorDeps): Hono<DesktopEnv> {
  const app = new Hono<DesktopEnv>();
  const authed = sessionAuth(deps.sessions);
  const supervisor = async (c: Context<DesktopEnv>, next: () => Promise<void>) => {
    if (!deps.isSupervisor(c.get('session').agentId)) return c.json({ error: 'forbidden' }, 403);
    await next();
  };

  app.get('/site', authed(false), supervisor, (c) => c.json(siteView(deps)));

  const streams = deps.streams ?? new StreamLimiter();
  app.get('/live', authed(false), supervisor, (c) => {
    const release = streams.acquire(c.get('session').token);
    if (!release) return tooManyStreams(c, streams.max);
    return streamSSE(c, async (stream) => {
      stream.onAbort(release);
      try {
        while (!stream.aborted && !stream.closed) {
          await stream.writeSSE({ event: 'site', data: JSON.stringify(siteView(deps)) });
          await stream.sleep(1000);
        }
      } finally {
        release();
      }
    });
  });

  app.post('/agents/:id/state', authed(true), supervisor, async (c) => {
    const r = ForceBody.safeParse(await c.req.json().catch(() => undefined));
    if (!r.success) return c.json({ error: 'invalid_request' }, 400);
    const id = c.req.param('id') ?? '';
    if (!deps.agents.find(id)) return c.json({ error: 'not_found' }, 404);
    const b = r.data;
    if (b.state === 'ready') deps.agents.setReady(id, AgentStateCause.SUPERVISOR);
    else if (b.state === 'not_ready') deps.agents.setNotReady(id, b.reasonId, AgentStateCause.SUPERVISOR);
    else deps.agents.logout(id, AgentStateCause.SUPERVISOR);
    deps.log.info({ agent: id, state: b.state, by: c.get('session').agentId }, 'agent state forced');
    return c.json({ ok: true });
  });

  app.onError((err, c) => {
    deps.log.warn({ err: err.name }, 'supervisor api error');
    return c.json({ error: err.name === 'AgentBusyError' ? 'agent_busy' : 'internal_error' }, 409);
  });
  return app;
}
