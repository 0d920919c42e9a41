/** Timeout, retransmission and close() against a silent UDP socket (no rtpengine). */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NgClient, NgClosedError, NgTimeoutError } from '../../src/media/index.ts';

describe('NgClient against a silent peer', () => {
  let silent: Socket;
  const cookies: string[] = [];
  beforeAll(async () => {
    silent = createSocket('udp4');
    silent.on('message', (m) => cookies.push(m.toString('latin1', 0, m.indexOf(0x20))));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  });
  afterAll(() => silent.close());

  it('times out after retransmitting the same cookie', async () => {
    cookies.length = 0;
    const client = await NgClient.create({
      host: '127.0.0.1',
      port: silent.address().port,
      timeoutMs: 100,
      retries: 2,
    });
    const started = Date.now();
    const err = await client.ping().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    client.close();
    expect(err).toBeInstanceOf(NgTimeoutError);
    expect(err).toMatchObject({ name: 'NgTimeoutError', command: 'ping', attempts: 3 });
    expect(cookies).toHaveLength(3);
    expect(new Set(cookies).size).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('close() rejects every pending request at once', async () => {
    const client = await NgClient.create({
      host: '127.0.0.1',
      port: silent.address().port,
      timeoutMs: 10_000,
    });
    const pending = [client.ping(), client.list(), client.query({ callId: 'x' })];
    expect(client.pendingCount).toBe(3);
    client.close();
    const results = await Promise.allSettled(pending);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(NgClosedError);
    }
  });
});
