import { describe, expect, it } from 'vitest';
import { decodeG711, linearToUlaw } from './g711.ts';
import { readPcap } from './pcap.ts';
import { pcapToStereo } from './recording.ts';
import { parseMetadata, portsBySide } from './recording-metadata.ts';
import { buildRtp } from './rtp-packet.ts';
import { pcm16Wav, readPcm16Wav } from './wav.ts';

/** Writes a little-endian raw-IP pcap like rtpengine's. */
function pcapOf(packets: { timeUs: number; srcPort: number; dstPort: number; payload: Buffer }[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(101, 20);
  const records = packets.map((p) => {
    const ip = Buffer.alloc(28);
    ip[0] = 0x45;
    ip.writeUInt16BE(28 + p.payload.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([127, 0, 0, 1, 127, 0, 0, 1]).copy(ip, 12);
    ip.writeUInt16BE(p.srcPort, 20);
    ip.writeUInt16BE(p.dstPort, 22);
    ip.writeUInt16BE(8 + p.payload.length, 24);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.timeUs / 1e6), 0);
    rec.writeUInt32LE(p.timeUs % 1e6, 4);
    rec.writeUInt32LE(28 + p.payload.length, 8);
    rec.writeUInt32LE(28 + p.payload.length, 12);
    return Buffer.concat([rec, ip, p.payload]);
  });
  return Buffer.concat([head, ...records]);
}

const tone = (n: number, amp = 8000) =>
  Buffer.from(
    Array.from({ length: n }, (_, i) => linearToUlaw(amp * Math.sin((2 * Math.PI * 440 * i) / 8000))),
  );

describe('G.711', () => {
  it('decodes µ-law and A-law reference values', () => {
    expect([...decodeG711('ulaw', Uint8Array.from([0xff, 0x7f, 0x00, 0x80]))]).toEqual([0, 0, -32124, 32124]);
    expect([...decodeG711('alaw', Uint8Array.from([0xd5, 0x55, 0x2a, 0xaa]))]).toEqual([
      8, -8, -32256, 32256,
    ]);
  });

  it('round-trips µ-law within quantisation error', () => {
    for (const s of [-20000, -1000, -5, 0, 5, 1000, 20000]) {
      const back = decodeG711('ulaw', Uint8Array.from([linearToUlaw(s)]))[0]!;
      expect(Math.abs(back - s)).toBeLessThanOrEqual(Math.max(8, Math.abs(s) * 0.07));
    }
  });
});

describe('pcap to stereo', () => {
  const t0 = 1_700_000_000_000_000;
  const packets = [
    // caller: 1 s of tone to port 5000, 50 packets of 20 ms
    ...Array.from({ length: 50 }, (_, i) => ({
      timeUs: t0 + i * 20_000,
      srcPort: 7000,
      dstPort: 5000,
      payload: buildRtp({
        payloadType: 0,
        sequence: i,
        timestamp: 1000 + i * 160,
        ssrc: 1,
        payload: tone(160),
      }),
    })),
    // agent: from 0.2 s, packets 10..19 missing (a 200 ms gap), to port 6000
    ...Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i < 10 || i >= 20)
      .map((i) => ({
        timeUs: t0 + 200_000 + i * 20_000 + 3_000, // 3 ms of network jitter
        srcPort: 7002,
        dstPort: 6000,
        payload: buildRtp({
          payloadType: 0,
          sequence: i,
          timestamp: 90_000 + i * 160,
          ssrc: 2,
          payload: tone(160),
        }),
      })),
    // telephone-event and RTCP are skipped
    {
      timeUs: t0 + 500_000,
      srcPort: 7000,
      dstPort: 5000,
      payload: buildRtp({ payloadType: 101, sequence: 99, timestamp: 0, ssrc: 1, payload: Buffer.alloc(4) }),
    },
    { timeUs: t0 + 500_000, srcPort: 7001, dstPort: 5001, payload: Buffer.from([0x80, 200, 0, 6]) },
  ];

  it('reads the pcap records', () => {
    const { linkType, datagrams, skipped } = readPcap(pcapOf(packets));
    expect(linkType).toBe(101);
    expect(datagrams).toHaveLength(packets.length);
    expect(skipped).toBe(0);
    expect(datagrams[0]).toMatchObject({ srcIp: '127.0.0.1', srcPort: 7000, dstPort: 5000, timeUs: t0 });
  });

  it('places samples by timestamp and fills the gap with silence', () => {
    const side = (p: number) => (p === 5000 || p === 5001 ? 'caller' : p === 6000 ? 'agent' : undefined);
    const s = pcapToStereo(pcapOf(packets), side);
    expect(s.durationMs).toBe(1000);
    expect(s.caller).toEqual({ packets: 50, ssrcs: 1 });
    expect(s.agent).toEqual({ packets: 20, ssrcs: 1 });
    expect(s.ignored).toBe(2);
    const energy = (a: Int16Array, from: number, to: number) =>
      a.subarray(from * 8, to * 8).reduce((sum, v) => sum + Math.abs(v), 0);
    expect(energy(s.left, 0, 1000)).toBeGreaterThan(0);
    expect(energy(s.right, 0, 195)).toBe(0); // agent not there yet
    expect(energy(s.right, 210, 390)).toBeGreaterThan(0);
    expect(energy(s.right, 410, 590)).toBe(0); // the lost packets
    expect(energy(s.right, 610, 790)).toBeGreaterThan(0);
  });

  it('writes a WAV that reads back', () => {
    const wav = pcm16Wav([Int16Array.from([1, 2, 3]), Int16Array.from([-1, -2])], 8000);
    const back = readPcm16Wav(wav);
    expect(back.sampleRate).toBe(8000);
    expect([...back.channels[0]!]).toEqual([1, 2, 3]);
    expect([...back.channels[1]!]).toEqual([-1, -2, 0]);
  });

  it('rejects a file that is not a pcap', () => {
    expect(() => readPcap(Buffer.alloc(40))).toThrow(/not a pcap/);
  });
});

describe('recording metadata', () => {
  const text = [
    '/rec/pcaps/call2-26bc166b335a0b04.pcap',
    '',
    '',
    'Label: caller',
    'Timestamp started ms: 1795263871315.548',
    'SDP mode: offer',
    'SDP before RTP packet: 1',
    '',
    'v=0',
    'm=audio 43036 RTP/AVP 0 101',
    'a=rtcp:43037',
    '',
    'Label: park',
    'SDP mode: answer',
    '',
    'v=0',
    'm=audio 43046 RTP/AVP 0 101',
    'a=rtcp:43047',
    '',
    'call start time: 2026-11-21T12:24:31',
    'call end time: 2026-11-21T12:24:34',
  ].join('\n');

  it('parses the layout rtpengine 10.5 writes', () => {
    const m = parseMetadata(text);
    expect(m.pcapPath).toBe('/rec/pcaps/call2-26bc166b335a0b04.pcap');
    expect(m.finished).toBe(true);
    expect(m.sdps).toEqual([
      { mode: 'offer', label: 'caller', ports: [43036, 43037] },
      { mode: 'answer', label: 'park', ports: [43046, 43047] },
    ]);
    const sides = portsBySide(m);
    expect([...sides.caller]).toEqual([43046, 43047]);
    expect([...sides.agent]).toEqual([43036, 43037]);
  });

  it('is not finished before the call end time', () => {
    expect(parseMetadata(text.replace(/call end time.*/, '')).finished).toBe(false);
  });
});
