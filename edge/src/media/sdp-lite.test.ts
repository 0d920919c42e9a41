import { describe, expect, it } from 'vitest';
import { audioPort, buildParkSdp, callerCodecs, sameMedia } from './sdp-lite.ts';

const carrier = [
  'v=0',
  'o=carrier 1 1 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 20000 RTP/AVP 18 8 0 96',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-15',
  '',
].join('\r\n');

describe('sdp-lite', () => {
  it('picks the caller G.711 codec and telephone-event payload type', () => {
    expect(callerCodecs(carrier)).toEqual({
      audio: { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
      dtmfPayloadType: 96,
    });
  });

  it('writes the park SDP', () => {
    const park = buildParkSdp(callerCodecs(carrier), 42);
    expect(park).toContain('c=IN IP4 0.0.0.0\r\n');
    expect(park).toContain('m=audio 9 RTP/AVP 8 96\r\n');
    expect(park).toContain('a=rtpmap:8 PCMA/8000\r\n');
    expect(park.endsWith('a=sendrecv\r\n')).toBe(true);
    expect(audioPort(park)).toBe(9);
  });

  it('rejects SDP without audio', () => {
    expect(() => callerCodecs('v=0\r\nm=video 1 RTP/AVP 96\r\n')).toThrow(RangeError);
  });

  it('compares media ignoring origin and attribute order', () => {
    const a =
      'v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=sendrecv\r\na=rtcp:6\r\n';
    const b =
      'v=0\r\no=- 2 1 IN IP4 1.1.1.1\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=rtcp:6\r\na=sendrecv\r\n';
    expect(sameMedia(a, b)).toBe(true);
    expect(sameMedia(a, b.replace('audio 5', 'audio 7'))).toBe(false);
  });
});
