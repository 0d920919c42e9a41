/** Two real rtpengines in a pool: one is killed, new calls go to the other. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HealthChange, MediaSession, type NgClient, RtpenginePool } from '../../src/media/index.ts';
import { RtpEndpoint } from './rtp-endpoint.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

describe('RtpenginePool with real rtpengines', () => {
  let a: RtpengineFixture;
  let b: RtpengineFixture;
  beforeAll(async () => {
    [a, b] = await Promise.all([startRtpengine({ name: 'rtp-a' }), startRtpengine({ name: 'rtp-b' })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('avoids a dead instance for new calls and reports it', async () => {
    const pool = new RtpenginePool<NgClient>({
      servers: [
        { id: 'a', client: a.client },
        { id: 'b', client: b.client },
      ],
      intervalMs: 100,
      pingTimeoutMs: 100,
      failuresToDown: 2,
    });
    const events: HealthChange[] = [];
    pool.observer.on('health', (e) => events.push(e));
    pool.start();
    const caller = await RtpEndpoint.open(0xf1);
    try {
      const first = pool.acquire('call-1');
      const second = pool.acquire('call-2');
      expect(new Set([first.id, second.id])).toEqual(new Set(['a', 'b']));

      const started = Date.now();
      await a.child.stop(1000);
      await expect.poll(() => events.length, { timeout: 5000 }).toBe(1);
      const detectMs = Date.now() - started;
      expect(events[0]).toMatchObject({
        id: 'a',
        healthy: false,
        pinnedCalls: [first.id === 'a' ? 'call-1' : 'call-2'],
      });
      expect(detectMs).toBeLessThan(2000);

      for (let i = 3; i < 7; i++) {
        const placed = pool.acquire(`call-${i}`);
        expect(placed.id).toBe('b');
        const s = new MediaSession({
          client: placed.client,
          callId: `pool-${i}-${Date.now()}`,
          callerTag: 'ft',
          onEnded: () => pool.release(`call-${i}`),
        });
        await s.offerFromCaller(caller.sdp());
        await s.park();
        await s.end();
      }
      expect(pool.snapshot()).toEqual([
        { id: 'a', healthy: false, calls: 1 },
        { id: 'b', healthy: true, calls: 1 },
      ]);
      expect(await b.client.list()).toEqual([]);
    } finally {
      pool.stop();
      caller.close();
    }
  });
});
