import { names } from '@hcc/shared';
import { startTestHub, type TestHub } from '@hcc/shared/testing';
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamSource } from './stream-source.ts';

// Real nats-server: the header as read from the raw block equals the client's decoded header.
describe('streamSource', () => {
  let server: TestHub;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startTestHub('ingest-src');
    nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).streams.add({ name: 'SRC', subjects: ['src.>'] });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('reads Nats-Stream-Source as the client decodes it, with or without other headers', async () => {
    const js = jetstream(nc);
    const cases: [string, string][][] = [
      [[names.STREAM_SOURCE_HEADER, 'EVENTS_SITE_hq:1a2b 17 > > hcc.evt.hq.interaction']],
      [
        ['Nats-Msg-Id', 'abc'],
        [names.STREAM_SOURCE_HEADER, ' EVENTS_SITE_branch 3 '],
        ['X-Other', 'Nats-Stream-Source: not this'],
      ],
      [
        [names.STREAM_SOURCE_HEADER, 'EVENTS_SITE_first 1'],
        [names.STREAM_SOURCE_HEADER, 'EVENTS_SITE_second 2'],
      ],
      [['nats-stream-source', 'EVENTS_SITE_lower 5']],
      [['Nats-Msg-Id', 'only']],
      [],
    ];
    for (const [i, hs] of cases.entries()) {
      const h = headers();
      for (const [k, v] of hs) h.append(k, v);
      await js.publish(`src.${i}`, new Uint8Array([i]), hs.length > 0 ? { headers: h } : {});
    }
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add('SRC', { durable_name: 'c', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get('SRC', 'c');
    const got: JsMsg[] = [];
    const iter = await consumer.fetch({ max_messages: cases.length, expires: 5000 });
    for await (const m of iter) got.push(m);
    expect(got).toHaveLength(cases.length);
    const seen = got.map((m) => streamSource(m));
    const decoded = got.map((m) => {
      const v = m.headers?.values(names.STREAM_SOURCE_HEADER) ?? [];
      return v.length === 1 ? v[0]!.trim() || undefined : undefined;
    });
    expect(seen).toEqual(decoded);
    expect(seen).toEqual([
      'EVENTS_SITE_hq:1a2b 17 > > hcc.evt.hq.interaction',
      'EVENTS_SITE_branch 3',
      undefined, // two copies: a rogue leaf's forged header next to the hub's; attributed to nobody
      undefined, // the client matches the key exactly
      undefined,
      undefined,
    ]);
  });
});
