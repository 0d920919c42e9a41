/**
 * Calls in progress by age, for /api/status: a hung call shows up as an old one. Buckets by the time since
 * the INVITE arrived, and the oldest call's age in whole seconds (0 with no call).
 */

export interface CallsByAge {
  under_1m: number;
  '1_5m': number;
  '5_30m': number;
  '30_60m': number;
  over_1h: number;
  oldest_s: number;
}

const BUCKETS: ReadonlyArray<readonly [Exclude<keyof CallsByAge, 'oldest_s'>, number]> = [
  ['under_1m', 60_000],
  ['1_5m', 5 * 60_000],
  ['5_30m', 30 * 60_000],
  ['30_60m', 60 * 60_000],
  ['over_1h', Number.POSITIVE_INFINITY],
];

/** `startedAt`: epoch ms of each call's start (CdrBuilder.startedAt). */
export function callsByAge(startedAt: Iterable<number>, now: number): CallsByAge {
  const out: CallsByAge = { under_1m: 0, '1_5m': 0, '5_30m': 0, '30_60m': 0, over_1h: 0, oldest_s: 0 };
  for (const t of startedAt) {
    const age = Math.max(0, now - t);
    const bucket = BUCKETS.find(([, max]) => age < max)![0];
    out[bucket]++;
    out.oldest_s = Math.max(out.oldest_s, Math.floor(age / 1000));
  }
  return out;
}
