import { createSocket } from 'node:dgram';
import { systemClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { buildRtp } from '../media/rtp-packet.ts';
import { RtpSink } from './rtp-sink.ts';

const OFFER = (pts: string, te = true) =>
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 30000 RTP/AVP ${pts}`,
    ...(te ? ['a=rtpmap:101 telephone-event/8000'] : []),
    '',
  ].join('\r\n');

describe('RtpSink', () => {
  it('answers with its own address, the offer codec (PCMU first) and telephone-event', async () => {
    const sink = await RtpSink.open({ host: '127.0.0.1', clock: systemClock, maxSeconds: 1 });
    try {
      const { port } = sink.address;
      const a = sink.answer(OFFER('8 101'));
      expect(a).toContain(`m=audio ${port} RTP/AVP 8 101`);
      expect(a).toContain('c=IN IP4 127.0.0.1');
      expect(a).toContain('a=rtpmap:8 PCMA/8000');
      expect(a).toContain('a=rtpmap:101 telephone-event/8000');
      expect(sink.answer(OFFER('8 0', false))).toContain(`m=audio ${port} RTP/AVP 0\r\n`);
    } finally {
      await sink.close();
    }
  });

  it('places G.711 by timestamp (a lost packet stays silent), skips other payloads', async () => {
    const sink = await RtpSink.open({ host: '127.0.0.1', clock: systemClock, maxSeconds: 1 });
    const tx = createSocket('udp4');
    const { host, port } = sink.address;
    const send = (b: Buffer) => new Promise<void>((r) => tx.send(b, port, host, () => r()));
    // 0xd5 is A-law for about zero; 0x2a a loud sample. 20 ms packets; seq 3 is lost.
    for (let seq = 0; seq < 10; seq++) {
      if (seq === 3) continue;
      await send(
        buildRtp({
          payloadType: 8,
          sequence: seq,
          timestamp: seq * 160,
          ssrc: 7,
          payload: Buffer.alloc(160, 0x2a),
        }),
      );
    }
    await send(
      buildRtp({ payloadType: 101, sequence: 10, timestamp: 1600, ssrc: 7, payload: Buffer.alloc(4) }),
    );
    await send(Buffer.from('not rtp'));
    await new Promise((r) => setTimeout(r, 100));
    const pcm = await sink.close();
    expect(sink.packets).toBe(9);
    expect(pcm.length).toBe(1600);
    expect(pcm.subarray(480, 640).every((s) => s === 0)).toBe(true);
    expect(Math.abs(pcm[0]!)).toBeGreaterThan(1000);
    expect(Math.abs(pcm[1599]!)).toBeGreaterThan(1000);
    tx.close();
  });
});
