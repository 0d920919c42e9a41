/**
 * SDES-SRTP (RFC 4568) in MediaSession against a real rtpengine: an SRTP caller is answered in its own
 * profile with a key while the agent's branch stays plain RTP; a branch towards a trunk that requires
 * SRTP is offered RTP/SAVP with keys; best-effort SRTP (RTP/AVP with a=crypto) is answered plain.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaSession } from '../../src/media/index.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

const offer = (profile: string, crypto: boolean) =>
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 40000 ${profile} 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    ...(crypto ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${randomBytes(30).toString('base64')}`] : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
const agentAnswer = offer('RTP/AVP', false).replace('40000', '40010');
const media = (sdp: string) => /^m=audio \d+ (\S+)/m.exec(sdp)?.[1];
const crypto = (sdp: string) => /^a=crypto:/m.test(sdp);

describe('SDES-SRTP through rtpengine', () => {
  let rtp: RtpengineFixture;
  beforeAll(async () => {
    rtp = await startRtpengine({ name: 'rtpengine-sdes' });
  });
  afterAll(async () => {
    await rtp?.stop();
  });
  const session = (name: string) =>
    new MediaSession({ client: rtp.client, callId: `${name}-${Date.now()}`, callerTag: 'caller' });

  it('answers an RTP/SAVP caller with RTP/SAVP and a key, and offers its agent plain RTP', async () => {
    const s = session('savp');
    const toPark = await s.offerFromCaller(offer('RTP/SAVP', true));
    expect([media(toPark), crypto(toPark)]).toEqual(['RTP/AVP', false]);
    const toCaller = await s.park();
    expect([media(toCaller), crypto(toCaller)]).toEqual(['RTP/SAVP', true]);
    expect(s.callerSrtp).toBe(true);
    const { sdp: toAgent } = await s.connectBranch({ webrtc: false });
    expect([media(toAgent), crypto(toAgent)]).toEqual(['RTP/AVP', false]);
    const { callerSdpChanged } = await s.answerBranch(agentAnswer);
    expect(callerSdpChanged).toBe(false);
    await s.end();
  });

  it('offers RTP/SAVP with keys to a branch that requires SRTP, for a plain caller', async () => {
    const s = session('to-srtp');
    await s.offerFromCaller(offer('RTP/AVP', false));
    const toCaller = await s.park();
    expect([media(toCaller), crypto(toCaller)]).toEqual(['RTP/AVP', false]);
    const { sdp: toTrunk } = await s.connectBranch({ webrtc: false, srtp: true });
    expect([media(toTrunk), crypto(toTrunk)]).toEqual(['RTP/SAVP', true]);
    const { callerSdpChanged } = await s.answerBranch(offer('RTP/SAVP', true).replace('40000', '40020'));
    expect(callerSdpChanged).toBe(false);
    await s.end();
  });

  it('answers best-effort SRTP (RTP/AVP with a=crypto) with plain RTP: the key is dropped', async () => {
    const s = session('best-effort');
    await s.offerFromCaller(offer('RTP/AVP', true));
    const toCaller = await s.park();
    expect([media(toCaller), crypto(toCaller)]).toEqual(['RTP/AVP', false]);
    expect(s.callerSrtp).toBe(false);
    await s.end();
  });
});
