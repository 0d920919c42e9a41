import type { CallScript } from '@hcc/edge';

export const QUEUES = ['sales', 'support'] as const;
const SL_MS = 20_000;

/**
 * A deterministic scripted set of calls with known outcomes, spread over `spanMs` from `start`.
 * Every 7th call abandons (every 3rd abandon within 5 s: a short abandon); answered calls wait
 * 0-39 s (so some miss the 20 s service level) and talk, hold and wrap for known times.
 */
export function scriptedDay(
  n: number,
  start: number,
  spanMs: number,
  callerPrefix = '+1555010',
): CallScript[] {
  const out: CallScript[] = [];
  for (let i = 0; i < n; i++) {
    const abandoned = i % 7 === 3;
    const short = abandoned && i % 3 === 0;
    out.push({
      offeredAt: start + Math.floor((i * spanMs) / n),
      queueId: QUEUES[i % 2]!,
      outcome: abandoned ? 'abandoned' : 'answered',
      callerNumber: `${callerPrefix}${String(1000 + (i % 9000)).padStart(4, '0')}`,
      ivrMs: 3000,
      waitMs: short ? 2000 : (i * 1013) % 40_000,
      agentId: `agent-${i % 3}`,
      talkMs: 60_000 + (i % 5) * 1000,
      holdMs: i % 4 === 0 ? 5000 : 0,
      wrapMs: 10_000,
      slThresholdMs: SL_MS,
    });
  }
  return out;
}

export interface Totals {
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
}

/** Expected totals per queue, computed straight from the scripts. */
export function expectedTotals(calls: readonly CallScript[]): Record<string, Totals> {
  const out: Record<string, Totals> = {};
  for (const c of calls) {
    const t = out[c.queueId] ?? {
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
    };
    out[c.queueId] = t;
    t.offered++;
    t.longestWaitMs = Math.max(t.longestWaitMs, c.waitMs);
    if (c.outcome === 'abandoned') {
      t.abandoned++;
      if (c.waitMs < 5000) t.shortAbandoned++;
    } else {
      t.answered++;
      t.answerWaitMs += c.waitMs;
      t.talkMs += c.talkMs ?? 0;
      t.holdMs += c.holdMs ?? 0;
      t.wrapMs += c.wrapMs ?? 0;
      if (c.waitMs <= c.slThresholdMs) t.answeredInSl++;
    }
  }
  return out;
}
