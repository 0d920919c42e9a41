import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.ts';

describe('TokenBuckets', () => {
  it('lets a burst through, refuses the next with the seconds to wait, and refills at the rate', () => {
    const clock = new FakeClock();
    const b = new TokenBuckets(clock, { burst: 3, perMinute: 30 }); // one token every 2 s
    expect([1, 2, 3].map(() => b.take('k').allowed)).toEqual([true, true, true]);
    expect(b.take('k')).toEqual({ allowed: false, retryAfterS: 2 });
    clock.advanceSync(1000);
    expect(b.take('k')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.advanceSync(1000);
    expect(b.take('k')).toEqual({ allowed: true, remaining: 0 });
    // A long pause fills the bucket to its size, never beyond.
    clock.advanceSync(3_600_000);
    expect([1, 2, 3, 4].map(() => b.take('k').allowed)).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const b = new TokenBuckets(new FakeClock(), { burst: 1, perMinute: 1 });
    expect(b.take('a').allowed).toBe(true);
    expect(b.take('a')).toEqual({ allowed: false, retryAfterS: 60 });
    expect(b.take('b').allowed).toBe(true);
  });

  it('forgets the least recently seen key past maxKeys (a forgotten key starts full)', () => {
    const b = new TokenBuckets(new FakeClock(), { burst: 1, perMinute: 1, maxKeys: 2 });
    b.take('a');
    b.take('b');
    b.take('a'); // refused, but seen: b is now the oldest
    b.take('c'); // evicts b
    expect(b.take('a').allowed).toBe(false);
    expect(b.take('b').allowed).toBe(true);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBuckets(new FakeClock(), { burst: 0, perMinute: 1 })).toThrow(RangeError);
    expect(() => new TokenBuckets(new FakeClock(), { burst: 1, perMinute: 0 })).toThrow(RangeError);
  });
});
