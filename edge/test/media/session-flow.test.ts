/** MediaSession against a real rtpengine: IVR on park, prompt, agent branch, hold/resume, re-park, end. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaSession } from '../../src/media/index.ts';
import { type MediaWorld, startMediaWorld } from './media-world.ts';
import { sdpPort } from './rtp-endpoint.ts';
import type { RtpengineFixture } from './rtpengine-fixture.ts';

describe('MediaSession with a real rtpengine', () => {
  let world: MediaWorld;
  let rtp: RtpengineFixture;
  let prompt: string;

  beforeAll(async () => {
    world = await startMediaWorld();
    rtp = world.rtp;
    prompt = await world.tone('prompt', 440);
  });
  afterAll(async () => {
    await world?.stop();
  });
  const endpoint = (ssrc: number) => world.endpoint(ssrc);

  it('runs IVR on park, then bridges an agent without changing the caller SDP', async () => {
    const caller = await endpoint(0xc0);
    const agent = await endpoint(0xa0);
    const callId = `flow-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'caller-ft' });
    const alarms: unknown[] = [];
    s.observer.on('callerSdpChanged', (e) => alarms.push(e));
    await s.offerFromCaller(caller.sdp());
    const callerSdp = await s.park();
    const toCaller = sdpPort(callerSdp);
    const parkTag = s.branch!.tag;

    // IVR: the prompt is heard by the caller (1 s = 50 packets).
    const played = await s.playPrompt(prompt);
    expect(played.durationMs).toBe(1000);
    await caller.sendTone(toCaller, 200); // the caller talks; rtpengine latches its address
    await expect.poll(() => caller.count(), { timeout: 3000 }).toBeGreaterThanOrEqual(45);

    // Agent later: re-offer, answer, the park branch goes away.
    const { sdp: agentOffer, branchTag } = await s.connectBranch({ webrtc: false });
    expect(agentOffer).toContain('RTP/AVP 0 101');
    const { callerSdpChanged } = await s.answerBranch(agent.sdp());
    expect(callerSdpChanged).toBe(false);
    const q = await rtp.client.query({ callId });
    expect(q.tags[branchTag]?.subscriptions).toEqual(['caller-ft']);
    expect(q.tags['caller-ft']?.subscriptions).toContain(branchTag);
    expect(q.tags[parkTag]?.subscriptions ?? []).toEqual([]);

    caller.clear();
    agent.clear();
    const toAgent = sdpPort(agentOffer);
    await Promise.all([caller.sendTone(toCaller, 300), agent.sendTone(toAgent, 300)]);
    await expect.poll(() => agent.count()).toBeGreaterThanOrEqual(13);
    await expect
      .poll(() => caller.received.filter((p) => p.ssrc === agent.ssrc).length)
      .toBeGreaterThanOrEqual(13);
    expect(caller.received.every((p) => p.from === toCaller)).toBe(true); // port latching: caller port kept

    // Hold: caller hears music, agent hears nothing of the caller.
    await s.hold(prompt);
    await sleep(100);
    caller.clear();
    agent.clear();
    await Promise.all([caller.sendTone(toCaller, 400), agent.sendTone(toAgent, 400)]);
    await sleep(100);
    expect(caller.count()).toBeGreaterThanOrEqual(15); // music
    expect(caller.received.some((p) => p.ssrc === agent.ssrc)).toBe(false);
    expect(agent.count()).toBe(0);
    await s.resume();
    caller.clear();
    agent.clear();
    await Promise.all([caller.sendTone(toCaller, 300), agent.sendTone(toAgent, 300)]);
    await expect.poll(() => agent.count()).toBeGreaterThanOrEqual(10);
    await expect
      .poll(() => caller.received.filter((p) => p.ssrc === agent.ssrc).length)
      .toBeGreaterThanOrEqual(10);

    // Back to the queue: re-park, the agent is cut off, the caller SDP still the same.
    await s.park();
    expect(alarms).toEqual([]);
    agent.clear();
    await caller.sendTone(toCaller, 200);
    await sleep(100);
    expect(agent.count()).toBe(0);

    await s.end();
    expect(await rtp.client.list()).not.toContain(callId);
  });

  it('offers a WebRTC agent DTLS-SRTP with ICE, rtcp-mux and mid', async () => {
    const caller = await endpoint(0xc1);
    const callId = `webrtc-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft' });
    await s.offerFromCaller(caller.sdp());
    await s.park();
    const { sdp } = await s.connectBranch({ webrtc: true });
    expect(sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 101/m);
    for (const attr of [
      'a=fingerprint:',
      'a=ice-ufrag:',
      'a=candidate:',
      'a=rtcp-mux',
      'a=mid:',
      'a=setup:',
    ]) {
      expect(sdp).toContain(attr);
    }
    expect(sdp).not.toContain('a=crypto:');
    await s.end();
    expect(await rtp.client.list()).not.toContain(callId);
  });

  it('end() leaves no session even mid-offer', async () => {
    const caller = await endpoint(0xc2);
    const callId = `early-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft' });
    await s.offerFromCaller(caller.sdp());
    await s.end();
    await s.end();
    expect(await rtp.client.list()).toEqual([]);
  });
});
