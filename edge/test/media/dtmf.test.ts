/** RFC 4733 digits from the caller reach the DTMF listener through rtpengine's --dtmf-log-dest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DtmfEvent, DtmfListener, MediaSession } from '../../src/media/index.ts';
import { RtpEndpoint, sdpPort } from './rtp-endpoint.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

describe('DTMF through a real rtpengine', () => {
  let rtp: RtpengineFixture;
  let listener: DtmfListener;
  beforeAll(async () => {
    listener = await DtmfListener.bind({ host: '127.0.0.1', port: 0 });
    rtp = await startRtpengine({ dtmfPort: listener.address.port });
  });
  afterAll(async () => {
    await rtp?.stop();
    listener?.close();
  });

  it('delivers the caller digits of a parked call with call-id and source tag', async () => {
    const caller = await RtpEndpoint.open(0xd1);
    const callId = `dtmf-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'caller-tag' });
    const got: DtmfEvent[] = [];
    const off = listener.onCall(callId, (e) => got.push(e));
    try {
      await s.offerFromCaller(caller.sdp());
      const toCaller = sdpPort(await s.park());
      await caller.sendTone(toCaller, 100);
      for (const digit of [1, 11, 10, 9]) {
        await caller.sendDigit(toCaller, digit);
        await caller.sendTone(toCaller, 60);
      }
      await expect.poll(() => got.length, { timeout: 3000 }).toBe(4);
      expect(got.map((e) => e.digit).join('')).toBe('1#*9');
      expect(got[0]).toMatchObject({ callId, sourceTag: 'caller-tag', durationMs: 80, volume: 10 });
      expect(listener.stats.malformed).toBe(0);
    } finally {
      off();
      await s.end();
      caller.close();
    }
  });

  it('plays DTMF towards the agent with inject DTMF', async () => {
    const caller = await RtpEndpoint.open(0xd2);
    const agent = await RtpEndpoint.open(0xd3);
    const callId = `dtmf-play-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft', injectDtmf: true });
    try {
      await s.offerFromCaller(caller.sdp());
      const toCaller = sdpPort(await s.park());
      const { sdp } = await s.connectBranch({ webrtc: false });
      await s.answerBranch(agent.sdp());
      const toAgent = sdpPort(sdp);
      const talking = Promise.all([caller.sendTone(toCaller, 800), agent.sendTone(toAgent, 800)]);
      await s.sendDtmf('5');
      await talking;
      await expect.poll(() => agent.received.filter((p) => p.payloadType === 101).length).toBeGreaterThan(0);
      expect(agent.received.find((p) => p.payloadType === 101)?.payload[0]).toBe(5);
    } finally {
      await s.end();
      caller.close();
      agent.close();
    }
  });
});
