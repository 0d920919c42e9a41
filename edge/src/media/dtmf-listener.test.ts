import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { type DtmfEvent, DtmfListener, parseDtmf } from './dtmf-listener.ts';

const real =
  '{"callid":"call2","source_tag":"ft1","tags":["ft1","agent1"],"type":"DTMF","timestamp":1795263874,' +
  '"source_ip":"127.0.0.1","event":11,"duration":80,"volume":10}';

describe('dtmf listener', () => {
  it('parses the JSON rtpengine 10.5 sends', () => {
    expect(parseDtmf(Buffer.from(real))).toEqual({
      callId: 'call2',
      sourceTag: 'ft1',
      tags: ['ft1', 'agent1'],
      digit: '#',
      event: 11,
      durationMs: 80,
      volume: 10,
      timestamp: 1795263874,
      sourceIp: '127.0.0.1',
    });
  });

  it.each([
    '',
    'not json',
    '[]',
    'null',
    '{"callid":"c","source_tag":"t","event":16}',
    '{"callid":"c","event":1}',
  ])('rejects %j', (text) => {
    expect(parseDtmf(Buffer.from(text))).toBeUndefined();
  });

  it('routes digits per call over UDP and counts malformed datagrams', async () => {
    const listener = await DtmfListener.bind({ host: '127.0.0.1', port: 0 });
    const sender = createSocket('udp4');
    try {
      const got: DtmfEvent[] = [];
      const other: DtmfEvent[] = [];
      listener.onCall('call2', (e) => got.push(e));
      const off = listener.onCall('other', (e) => other.push(e));
      off();
      const { port } = listener.address;
      for (const m of ['garbage', real, real.replace('"event":11', '"event":1')]) {
        sender.send(m, port, '127.0.0.1');
      }
      await expect.poll(() => got.length).toBe(2);
      expect(got.map((e) => e.digit)).toEqual(['#', '1']);
      expect(other).toEqual([]);
      expect(listener.stats).toEqual({ received: 3, digits: 2, malformed: 1 });
    } finally {
      sender.close();
      listener.close();
    }
  });
});
