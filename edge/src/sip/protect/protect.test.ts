import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { invite, pair } from '../test-pair.ts';
import { LoadMonitor, StaticOverload } from './overload.ts';
import { KAMAILIO_PIKE_DEFAULTS, RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows 16 requests per 2 s, then bans for 300 s', () => {
    const clock = new FakeClock(0);
    const rl = new RateLimiter(clock, KAMAILIO_PIKE_DEFAULTS);
    for (let i = 0; i < 16; i++) expect(rl.admit('192.0.2.1')).toBe(true);
    expect(rl.admit('192.0.2.1')).toBe(false);
    expect(rl.admit('192.0.2.2')).toBe(true);
    clock.advanceSync(2500);
    expect(rl.admit('192.0.2.1')).toBe(false);
    clock.advanceSync(300_000);
    expect(rl.admit('192.0.2.1')).toBe(true);
  });

  it('resets the count each window and exempts trusted peers', () => {
    const clock = new FakeClock(0);
    const rl = new RateLimiter(clock, { ...KAMAILIO_PIKE_DEFAULTS, trusted: ['10.0.0.0/8'] });
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 16; i++) expect(rl.admit('192.0.2.1')).toBe(true);
      clock.advanceSync(2000);
    }
    for (let i = 0; i < 1000; i++) expect(rl.admit('10.1.2.3')).toBe(true);
  });

  it('drops a flooding source at the stack', async () => {
    const clock = new FakeClock(0);
    const p = await pair(false, {
      rateLimiter: new RateLimiter(clock, { limit: 3, windowMs: 2000, banMs: 10_000 }),
    });
    p.b.use('OPTIONS', (req) => void req.reply(200));
    const outs = Array.from({ length: 5 }, () => p.a.send(invite(undefined, 'OPTIONS')));
    await p.run(300);
    expect(outs.filter((o) => o.finished)).toHaveLength(3);
    expect(p.b.stats.rateLimited).toBeGreaterThanOrEqual(2);
  });
});

describe('overload', () => {
  it('answers new requests with 503 and Retry-After, but not in-dialog ones', async () => {
    const guard = new StaticOverload(undefined);
    const p = await pair(false, { overload: guard });
    p.b.use('INVITE', (req) => void req.reply(200));
    p.b.use('BYE', (req) => void req.reply(200));
    const call = p.a.send(invite());
    await p.run(300);
    expect((await call.final).status).toBe(200);
    guard.retryAfter = 7;
    const refused = p.a.send(invite());
    await p.run(300);
    const r = await refused.final;
    expect([r.status, r.headers.get('retry-after')]).toEqual([503, '7']);
    const [bye] = await Promise.all([call.dialog!.bye(), p.run(300)]);
    expect(bye.status).toBe(200);
  });
});

describe('LoadMonitor', () => {
  const busy = (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      /* a blocked event loop */
    }
  };
  const tick = () => new Promise((r) => setImmediate(r));

  it('sheds when the event loop cannot keep up, not for one stall, and past the transaction limit', async () => {
    const m = new LoadMonitor({ maxServerTransactions: 10, maxLoopDelayMs: 100, retryAfterSeconds: 3 });
    try {
      busy(300);
      await new Promise((r) => setTimeout(r, 1200));
      expect(m.check({ serverTransactions: 0 })).toBeUndefined();
      const end = Date.now() + 1500;
      while (Date.now() < end) {
        busy(150);
        await tick();
      }
      expect(m.check({ serverTransactions: 0 })).toBe(3);
      await new Promise((r) => setTimeout(r, 1200));
      expect(m.check({ serverTransactions: 0 })).toBeUndefined();
      expect(m.check({ serverTransactions: 10 })).toBe(3);
    } finally {
      m.close();
    }
  }, 20_000);
});
