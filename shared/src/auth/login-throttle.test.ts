import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/clock.ts';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  it('locks an account after its attempts and lets it in again when the lock ends', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock, perAccount: 3, perAddress: 100, lockMs: 60_000 });
    for (let i = 0; i < 2; i++) expect(t.attempt('Ann@X.com', '10.0.0.1')).toEqual({ allowed: true });
    expect(t.attempt('ann@x.com', '10.0.0.2')).toEqual({ allowed: true }); // the third: let through, then locked
    expect(t.attempt('ann@x.com', '10.0.0.9')).toEqual({ allowed: false, retryAfterS: 60 });
    expect(t.attempt('bob@x.com', '10.0.0.1')).toEqual({ allowed: true });
    clock.advanceSync(59_000);
    expect(t.attempt('ann@x.com', '10.0.0.9')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.advanceSync(1_000);
    expect(t.attempt('ann@x.com', '10.0.0.9')).toEqual({ allowed: true });
  });

  it('lets only the limit through from a burst of parallel guesses (counted before the password check)', () => {
    const t = new LoginThrottle({ clock: new FakeClock(), perAccount: 5, perAddress: 100 });
    const through = Array.from({ length: 50 }, () => t.attempt('ann', '198.51.100.1').allowed).filter(
      Boolean,
    );
    expect(through).toHaveLength(5);
  });

  it('counts attempts per address across accounts', () => {
    const t = new LoginThrottle({ clock: new FakeClock(), perAccount: 100, perAddress: 4 });
    for (const u of ['a', 'b', 'c', 'd']) t.attempt(u, '192.0.2.7');
    expect(t.attempt('e', '192.0.2.7').allowed).toBe(false);
    expect(t.attempt('e', '192.0.2.8').allowed).toBe(true);
  });

  it('forgets attempts outside the window; success clears the account and gives the address its attempt back', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock, perAccount: 2, perAddress: 2, windowMs: 10_000 });
    t.attempt('ann', 'ip');
    clock.advanceSync(10_000);
    expect(t.attempt('ann', 'ip').allowed).toBe(true); // a new window: 1 of 2
    t.succeeded('ann', 'ip');
    expect(t.attempt('bob', 'ip').allowed).toBe(true); // the address is at 1 of 2 again
    expect(t.attempt('ann', 'ip').allowed).toBe(true); // 2 of 2: now locked
    expect(t.attempt('cid', 'ip').allowed).toBe(false);
  });

  it('tracks a bounded number of keys under a flood of distinct names', () => {
    const t = new LoginThrottle({ clock: new FakeClock(), maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) t.attempt(`user${i}`, `10.0.${i >> 8}.${i & 255}`);
    expect(t.size).toBe(100);
  });
});
