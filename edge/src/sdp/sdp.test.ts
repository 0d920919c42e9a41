import { describe, expect, it } from 'vitest';
import { parseSdp, SdpParseError } from './sdp.ts';

const OFFER = [
  'v=0',
  'o=- 20518 0 IN IP4 203.0.113.1',
  's=-',
  'c=IN IP4 203.0.113.1',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 54400 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  'm=video 0 RTP/AVP 31',
  '',
].join('\r\n');

describe('SDP', () => {
  it('round-trips byte for byte', () => {
    expect(parseSdp(OFFER).toString()).toBe(OFFER);
  });

  it('reads origin, connection, media and rtpmaps', () => {
    const s = parseSdp(OFFER);
    expect(s.origin).toMatchObject({ sessionId: '20518', address: '203.0.113.1' });
    expect(s.session.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '203.0.113.1' });
    const [audio, video] = s.media;
    expect(audio!.media).toBe('audio');
    expect(audio!.port).toBe(54400);
    expect(audio!.formats).toEqual(['0', '8', '101']);
    expect(audio!.rtpmaps[2]).toEqual({
      payloadType: 101,
      encoding: 'telephone-event',
      clockRate: 8000,
      channels: undefined,
    });
    expect(audio!.direction).toBe('sendrecv');
    expect(video!.port).toBe(0);
  });

  it('rewrites what a B2BUA rewrites', () => {
    const s = parseSdp(OFFER);
    s.session.connection = { netType: 'IN', addrType: 'IP6', address: '2001:db8::1' };
    s.bumpVersion();
    const a = s.media[0]!;
    a.port = 30000;
    a.keepFormats(['0', '101']);
    a.direction = 'sendonly';
    const out = s.toString();
    expect(out).toContain('c=IN IP6 2001:db8::1\r\n');
    expect(out).toContain('o=- 20518 1 IN IP4 203.0.113.1');
    expect(out).toContain('m=audio 30000 RTP/AVP 0 101\r\n');
    expect(out).not.toContain('PCMA');
    expect(out).toContain('a=sendonly');
    expect(parseSdp(out).media[0]!.formats).toEqual(['0', '101']);
  });

  it('adds a media-level connection before attributes', () => {
    const s = parseSdp(OFFER);
    s.media[0]!.connection = { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' };
    expect(s.media[0]!.lines[1]).toEqual({ type: 'c', value: 'IN IP4 0.0.0.0' });
  });

  it('rejects malformed descriptions', () => {
    expect(() => parseSdp('o=x')).toThrow(SdpParseError);
    expect(() => parseSdp('v=0\r\no=a b c\r\n')).toThrow(SdpParseError);
    expect(() => parseSdp('v=0\r\no=- 1 1 IN IP4 h\r\nm =video 3227 RTP/AVP 31\r\n')).toThrow(SdpParseError);
    expect(() => parseSdp('v=0\r\no=- 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n')).toThrow(SdpParseError);
  });

  it('accepts LF-only input and keeps its line ends', () => {
    const lf = OFFER.replace(/\r\n/g, '\n');
    expect(parseSdp(lf).toString()).toBe(lf);
  });
});
