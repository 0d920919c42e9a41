import { describe, expect, it } from 'vitest';
import { callsByAge } from './call-age.ts';

describe('callsByAge', () => {
  it('puts each call into its age bucket and reports the oldest in seconds', () => {
    const now = 10_000_000;
    const ages = [0, 59_999, 60_000, 299_999, 300_000, 1_799_999, 1_800_000, 3_599_999, 3_600_000, 7_200_500];
    expect(
      callsByAge(
        ages.map((a) => now - a),
        now,
      ),
    ).toEqual({
      under_1m: 2,
      '1_5m': 2,
      '5_30m': 2,
      '30_60m': 2,
      over_1h: 2,
      oldest_s: 7200,
    });
  });

  it('is all zero without calls and never negative for a clock step back', () => {
    expect(callsByAge([], 5)).toEqual({
      under_1m: 0,
      '1_5m': 0,
      '5_30m': 0,
      '30_60m': 0,
      over_1h: 0,
      oldest_s: 0,
    });
    expect(callsByAge([10], 5).under_1m).toBe(1);
  });
});
