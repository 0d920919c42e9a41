import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AgentState, Disposition, type Event, type QueueSnapshot } from '@hcc/proto';

/**
 * Pure rollup arithmetic: what one newly ingested event adds to the interval tables. Increments are
 * additive and commutative, so applying each event exactly once (in the transaction that inserts
 * it) gives the same rows in any order, including events that arrive hours late.
 *
 * Definitions (queue_intervals, per tenant, site, queue and 15-minute interval):
 * - Every metric comes from the interaction's `Ended` event and is attributed to the interval in
 *   which the interaction was offered (occurred_at - total_ms), queue = the last queue it was in
 *   ('' for interactions that never reached a queue).
 * - offered: interactions; answered: an agent handled it (agent_id set); abandoned: disposition
 *   ABANDONED, of which short_abandoned waited under 5 s in the queue.
 * - answered_in_sl: the edge's answered_within_sl (the queue's threshold of the config in force).
 * - answer_wait_ms: sum of queue_wait_ms of answered ones (ASA = answer_wait_ms / answered).
 * - talk/hold/wrap_ms: sums over answered ones (AHT = (talk + hold + wrap) / answered).
 * - longest_wait_ms: the longest queue_wait_ms of any of them.
 * - late_events: events that reached the cloud more than `lateAfterMs` after they happened.
 * agent_intervals: the same attribution, per last agent: handled and talk/hold/wrap.
 */
export const INTERVAL_MS = 15 * 60_000;
export const SHORT_ABANDON_MS = 5_000;

export const intervalStart = (ms: number): number => Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;

export interface QueueDelta {
  tenantId: string;
  siteId: string;
  queueId: string;
  intervalStart: number;
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  answeredInSl: number;
  answerWaitMs: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  longestWaitMs: number;
  lateEvents: number;
  lastLateAt: number | null;
}

export interface AgentDelta {
  tenantId: string;
  siteId: string;
  agentId: string;
  intervalStart: number;
  handled: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  lateEvents: number;
}

export interface AgentStateRow {
  tenantId: string;
  siteId: string;
  seq: number;
  agentId: string;
  occurredAt: number;
  toState: AgentState;
}

export interface QueueLiveRow {
  tenantId: string;
  siteId: string;
  queueId: string;
  observedAt: number;
  waiting: number;
  longestWaitMs: number;
  agents: Record<string, number>;
}

export interface Rollups {
  queues: Map<string, QueueDelta>;
  agents: Map<string, AgentDelta>;
  agentStates: AgentStateRow[];
  live: Map<string, QueueLiveRow>;
}

export const emptyRollups = (): Rollups => ({
  queues: new Map(),
  agents: new Map(),
  agentStates: [],
  live: new Map(),
});

const stateName = (s: AgentState): string => (AgentState[s] ?? 'UNSPECIFIED').toLowerCase();

/** Adds what `event` (new to the database, received at `receivedAt`) contributes to `acc`. */
export function addEvent(acc: Rollups, event: Event, receivedAt: number, lateAfterMs: number): void {
  const occurred = event.occurredAt ? timestampMs(event.occurredAt) : receivedAt;
  const late = receivedAt - occurred > lateAfterMs;
  const { tenantId, siteId } = event;
  const body = event.body;
  if (body.case === 'interaction' && body.value.body.case === 'ended') {
    const e = body.value.body.value;
    const start = intervalStart(occurred - Number(e.totalMs));
    const key = `${tenantId}\u0000${siteId}\u0000${e.queueId}\u0000${start}`;
    let q = acc.queues.get(key);
    if (!q) {
      q = {
        tenantId,
        siteId,
        queueId: e.queueId,
        intervalStart: start,
        offered: 0,
        answered: 0,
        abandoned: 0,
        shortAbandoned: 0,
        answeredInSl: 0,
        answerWaitMs: 0,
        talkMs: 0,
        holdMs: 0,
        wrapMs: 0,
        longestWaitMs: 0,
        lateEvents: 0,
        lastLateAt: null,
      };
      acc.queues.set(key, q);
    }
    const wait = Number(e.queueWaitMs);
    const answered = e.agentId !== '';
    const abandoned = e.disposition === Disposition.ABANDONED;
    q.offered++;
    if (answered) {
      q.answered++;
      q.answerWaitMs += wait;
      q.talkMs += Number(e.talkMs);
      q.holdMs += Number(e.holdMs);
      q.wrapMs += Number(e.wrapMs);
      if (e.answeredWithinSl) q.answeredInSl++;
    }
    if (abandoned) {
      q.abandoned++;
      if (wait < SHORT_ABANDON_MS) q.shortAbandoned++;
    }
    q.longestWaitMs = Math.max(q.longestWaitMs, wait);
    if (late) {
      q.lateEvents++;
      q.lastLateAt = Math.max(q.lastLateAt ?? 0, receivedAt);
    }
    if (answered) {
      const akey = `${tenantId}\u0000${siteId}\u0000${e.agentId}\u0000${start}`;
      let a = acc.agents.get(akey);
      if (!a) {
        a = {
          tenantId,
          siteId,
          agentId: e.agentId,
          intervalStart: start,
          handled: 0,
          talkMs: 0,
          holdMs: 0,
          wrapMs: 0,
          lateEvents: 0,
        };
        acc.agents.set(akey, a);
      }
      a.handled++;
      a.talkMs += Number(e.talkMs);
      a.holdMs += Number(e.holdMs);
      a.wrapMs += Number(e.wrapMs);
      if (late) a.lateEvents++;
    }
  } else if (body.case === 'agentStateChanged') {
    const s = body.value;
    acc.agentStates.push({
      tenantId,
      siteId,
      seq: Number(event.seq),
      agentId: s.agentId,
      occurredAt: occurred,
      toState: s.toState,
    });
  } else if (body.case === 'queueSnapshot') {
    addQueueSnapshot(acc.live, tenantId, siteId, body.value, occurred);
  }
}

/**
 * Keeps the newest snapshot per (tenant, site, queue) in `live`: an older or equally old one
 * observed at `observedAt` changes nothing. Stored events from older edges (ingest) and live
 * messages (`./live.ts`) both go through it.
 */
export function addQueueSnapshot(
  live: Map<string, QueueLiveRow>,
  tenantId: string,
  siteId: string,
  s: QueueSnapshot,
  observedAt: number,
): void {
  const key = `${tenantId}\u0000${siteId}\u0000${s.queueId}`;
  const prev = live.get(key);
  if (prev && prev.observedAt >= observedAt) return;
  const agents: Record<string, number> = {};
  for (const c of s.agents) agents[stateName(c.state)] = c.count;
  live.set(key, {
    tenantId,
    siteId,
    queueId: s.queueId,
    observedAt,
    waiting: s.waiting,
    longestWaitMs: Number(s.longestWaitMs),
    agents,
  });
}
