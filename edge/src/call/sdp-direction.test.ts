import { describe, expect, it } from 'vitest';
import { answerFor, isHold, offerDirection, withDirection } from './sdp-direction.ts';

const sdp = (extra: string, c = '127.0.0.1') =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', `c=IN IP4 ${c}`, 't=0 0', 'm=audio 4000 RTP/AVP 0', extra, '']
    .filter((l, i, a) => l !== '' || i === a.length - 1)
    .join('\r\n');

describe('hold SDP', () => {
  it('reads the direction of an offer', () => {
    expect(offerDirection(sdp('a=sendonly'))).toBe('sendonly');
    expect(offerDirection(sdp('a=inactive'))).toBe('inactive');
    expect(offerDirection(sdp('a=sendrecv'))).toBe('sendrecv');
    expect(offerDirection(sdp('a=rtpmap:0 PCMU/8000'))).toBe('sendrecv');
    expect(offerDirection(sdp('a=sendrecv', '0.0.0.0'))).toBe('sendonly');
    expect(isHold('sendonly') && isHold('inactive') && !isHold('sendrecv')).toBe(true);
  });

  it('answers with the complementary direction and a new origin version', () => {
    expect(answerFor('sendonly')).toBe('recvonly');
    const out = withDirection(sdp('a=sendrecv'), 'recvonly', 7);
    expect(out).toContain('o=- 1 7 IN IP4');
    expect(out).toContain('a=recvonly');
    expect(out).not.toContain('a=sendrecv');
    expect(out.endsWith('\r\n')).toBe(true);
  });
});
