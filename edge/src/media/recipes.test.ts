import { describe, expect, it } from 'vitest';
import { branchAnswer, branchOffer, callerProtocol, peerAnswer, peerOffer } from './recipes.ts';
import { sdpProfile } from './sdp-lite.ts';

const sdp = (proto: string) =>
  `v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 ${proto} 0\r\na=rtpmap:0 PCMU/8000\r\n`;
const base = { callId: 'c', callerTag: 'a', viaBranch: 'v', carrierSdp: sdp('RTP/AVP'), injectDtmf: false };

describe('media recipes: SRTP (SDES) profiles', () => {
  it('reads the profile of an offer', () => {
    expect(
      ['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVPF', 'RTP/AVPF'].map((p) => sdpProfile(sdp(p))),
    ).toEqual(['rtp', 'srtp', 'srtp', 'webrtc', 'rtp']);
    expect(
      ['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVPF'].map((p) => callerProtocol(sdp(p))),
    ).toEqual(['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF', 'RTP/AVP']);
  });

  it('answers the caller in its own profile and offers RTP/SAVP to an SRTP branch', () => {
    const answer = (callerProtocol: 'RTP/AVP' | 'RTP/SAVP') =>
      branchAnswer({ ...base, branchTag: 'b', sdp: 'x', kind: 'agent', webrtc: false, callerProtocol });
    expect(answer('RTP/SAVP').transportProtocol).toBe('RTP/SAVP');
    expect(answer('RTP/AVP').transportProtocol).toBe('RTP/AVP');
    expect(branchOffer({ ...base, codec: 'PCMU', webrtc: false }).transportProtocol).toBe('RTP/AVP');
    expect(branchOffer({ ...base, codec: 'PCMU', webrtc: false, srtp: true }).transportProtocol).toBe(
      'RTP/SAVP',
    );
    // A browser branch stays DTLS-SRTP whatever the trunk's policy.
    expect(branchOffer({ ...base, codec: 'PCMU', webrtc: true, srtp: true })).toMatchObject({
      transportProtocol: 'UDP/TLS/RTP/SAVPF',
      sdes: ['off'],
    });
  });

  it('writes each side of a two-party call in its profile', () => {
    const call = { callId: 'c', callerTag: 'a', sdp: 'x' };
    expect(peerOffer({ ...call, callee: 'srtp' })).toMatchObject({
      transportProtocol: 'RTP/SAVP',
      dtls: 'off',
    });
    expect(peerOffer({ ...call, callee: 'rtp' }).transportProtocol).toBe('RTP/AVP');
    expect(
      peerAnswer({ ...call, calleeTag: 'b', caller: 'srtp', callerSdp: sdp('RTP/SAVPF') }).transportProtocol,
    ).toBe('RTP/SAVPF');
    expect(peerAnswer({ ...call, calleeTag: 'b', caller: 'webrtc' }).transportProtocol).toBe(
      'UDP/TLS/RTP/SAVPF',
    );
  });
});
