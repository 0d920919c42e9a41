import { startTestHub, type TestHub } from '@hcc/shared/testing';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutMsg, StreamSendError, StreamSender } from './stream-sender.ts';

// Against a real nats-server with JetStream: every message acknowledged, in order, duplicates
// dropped by message id; a refused or unanswered batch rejects.
describe('StreamSender', () => {
  let server: TestHub;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startTestHub('sender');
    nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).streams.add({
      name: 'S',
      subjects: ['s.>'],
      storage: StorageType.Memory,
      max_msg_size: 64,
    });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  const batch = (from: number, n: number, subject = 's'): OutMsg[] =>
    Array.from({ length: n }, (_, i) => ({
      subject: `${subject}.${(from + i) % 3}`,
      data: new TextEncoder().encode(String(from + i)),
      msgID: `m${from + i}`,
    }));
  const stored = async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('S');
    const out: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++)
      out.push(new TextDecoder().decode((await jsm.streams.getMessage('S', { seq }))!.data));
    return out;
  };

  it('stores batches in order, once; rejects refused and unanswered batches', async () => {
    const sender = new StreamSender(nc, 1000);
    expect(await sender.send(batch(0, 50))).toBe(50);
    expect(await sender.send(batch(50, 2000))).toBe(2050);
    // A re-send (after a rewind): duplicates are acknowledged with their original seqs, not stored.
    expect(await sender.send(batch(2000, 60))).toBe(2060);
    await jetstream(nc).publish('s.x', new TextEncoder().encode('other'), { msgID: 'other' });
    expect(await sender.send(batch(2060, 10))).toBe(2071);
    expect(await stored()).toEqual([
      ...Array.from({ length: 2060 }, (_, i) => String(i)),
      'other',
      ...Array.from({ length: 10 }, (_, i) => String(2060 + i)),
    ]);
    // The message id travels as the client's own headers would carry it.
    const first = await (await jetstreamManager(nc)).streams.getMessage('S', { seq: 1 });
    expect(first?.header.get('Nats-Msg-Id')).toBe('m0');
    expect([...first!.header.keys()]).toEqual(['Nats-Msg-Id']);
    // No stream takes the subject (503), and a message the stream refuses (too big).
    await expect(sender.send(batch(0, 3, 'nostream'))).rejects.toBeInstanceOf(StreamSendError);
    const big = { subject: 's.1', data: new Uint8Array(100), msgID: 'big' };
    await expect(sender.send([big])).rejects.toBeInstanceOf(StreamSendError);
    sender.close();
  });
});
