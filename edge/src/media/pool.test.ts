import type { Clock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { NoMediaServerError } from './errors.ts';
import { type HealthChange, type PingableClient, RtpenginePool } from './pool.ts';

class FakeClient implements PingableClient {
  up = true;
  pings = 0;
  async ping(): Promise<void> {
    this.pings++;
    if (!this.up) throw new Error('timeout');
  }
}

/** A manual clock: timers fire only from advance(). */
class ManualClock implements Clock {
  private t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.set(++this.id, { at: this.t + ms, fn });
    return this.id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}

function makePool(
  n: number,
  opts: { strategy?: 'least-calls' | 'round-robin'; failuresToDown?: number } = {},
) {
  const clients = Array.from({ length: n }, () => new FakeClient());
  const clock = new ManualClock();
  const pool = new RtpenginePool({
    servers: clients.map((client, i) => ({ id: `rtp${i}`, client })),
    intervalMs: 1000,
    failuresToDown: opts.failuresToDown ?? 2,
    strategy: opts.strategy,
    clock,
  });
  const events: HealthChange[] = [];
  pool.observer.on('health', (e) => events.push(e));
  return { clients, clock, pool, events };
}

describe('RtpenginePool', () => {
  it('spreads new calls by least calls and pins them', () => {
    const { pool } = makePool(2);
    const a = pool.acquire('c1');
    const b = pool.acquire('c2');
    expect(a.id).not.toBe(b.id);
    expect(pool.acquire('c1').id).toBe(a.id);
    pool.release('c1');
    expect(pool.acquire('c3').id).toBe(a.id);
    expect(pool.snapshot().map((s) => s.calls)).toEqual([1, 1]);
  });

  it('round robin rotates regardless of load', () => {
    const { pool } = makePool(3, { strategy: 'round-robin' });
    expect(['a', 'b', 'c', 'd'].map((c) => pool.acquire(c).id)).toEqual(['rtp0', 'rtp1', 'rtp2', 'rtp0']);
  });

  it('marks an instance down after consecutive failed pings, reports pinned calls, avoids it', async () => {
    const { pool, clients, clock, events } = makePool(2);
    pool.acquire('c1'); // rtp0
    pool.start();
    await clock.advance(0);
    clients[0]!.up = false;
    await clock.advance(1000);
    expect(events).toHaveLength(0); // one failure is not enough
    await clock.advance(1000);
    expect(events).toMatchObject([{ id: 'rtp0', healthy: false, pinnedCalls: ['c1'] }]);
    expect(pool.acquire('c1').id).toBe('rtp0'); // a call stays pinned
    expect(pool.acquire('c2').id).toBe('rtp1');
    expect(pool.acquire('c3').id).toBe('rtp1');
    clients[0]!.up = true;
    await clock.advance(1000);
    expect(events.at(-1)).toMatchObject({ id: 'rtp0', healthy: true });
    pool.stop();
  });

  it('throws NoMediaServerError when nothing is healthy', async () => {
    const { pool, clients } = makePool(1, { failuresToDown: 1 });
    clients[0]!.up = false;
    await pool.checkNow();
    expect(() => pool.acquire('c1')).toThrow(NoMediaServerError);
  });

  it('a throwing observer does not break health checks', async () => {
    const { pool, clients } = makePool(1, { failuresToDown: 1 });
    pool.observer.on('health', () => {
      throw new Error('listener bug');
    });
    clients[0]!.up = false;
    await expect(pool.checkNow()).resolves.toBeUndefined();
    expect(pool.snapshot()[0]?.healthy).toBe(false);
  });

  it('stop() ends the periodic checks', async () => {
    const { pool, clients, clock } = makePool(1);
    pool.start();
    await clock.advance(0);
    pool.stop();
    const before = clients[0]!.pings;
    await clock.advance(5000);
    expect(clients[0]!.pings).toBe(before);
  });
});
