import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/clock.ts';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  it('locks an account after its failures and lets it in again when the lock ends', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock, perAccount: 3, perAddress: 100, lockMs: 60_000 });
    for (let i = 0; i < 2; i++) t.failed('Ann@X.com', '10.0.0.1');
    expect(t.check('ann@x.com', '10.0.0.9')).toEqual({ allowed: true });
    t.failed('ann@x.com', '10.0.0.2');
    expect(t.check('ann@x.com', '10.0.0.9')).toEqual({ allowed: false, retryAfterS: 60 });
    expect(t.check('bob@x.com', '10.0.0.1')).toEqual({ allowed: true });
    clock.advanceSync(59_000);
    expect(t.check('ann@x.com', '10.0.0.9')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.advanceSync(1_000);
    expect(t.check('ann@x.com', '10.0.0.9')).toEqual({ allowed: true });
  });

  it('counts failures per address across accounts', () => {
    const t = new LoginThrottle({ clock: new FakeClock(), perAccount: 100, perAddress: 4 });
    for (const u of ['a', 'b', 'c', 'd']) t.failed(u, '192.0.2.7');
    expect(t.check('e', '192.0.2.7').allowed).toBe(false);
    expect(t.check('e', '192.0.2.8').allowed).toBe(true);
  });

  it('forgets failures outside the window and on success', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock, perAccount: 2, windowMs: 10_000 });
    t.failed('ann', 'ip');
    clock.advanceSync(10_000);
    t.failed('ann', 'ip');
    expect(t.check('ann', 'ip').allowed).toBe(true);
    t.succeeded('ann');
    t.failed('ann', 'ip');
    expect(t.check('ann', 'ip').allowed).toBe(true);
  });

  it('tracks a bounded number of keys under a flood of distinct names', () => {
    const t = new LoginThrottle({ clock: new FakeClock(), maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) t.failed(`user${i}`, `10.0.${i >> 8}.${i & 255}`);
    expect(t.size).toBe(100);
  });
});
