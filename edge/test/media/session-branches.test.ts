/** Branch edge cases against a real rtpengine: an agent that never answers, and a WebRTC agent's answer. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaSession } from '../../src/media/index.ts';
import { type MediaWorld, startMediaWorld } from './media-world.ts';
import { sdpPort } from './rtp-endpoint.ts';
import type { RtpengineFixture } from './rtpengine-fixture.ts';

describe('MediaSession branches with a real rtpengine', () => {
  let world: MediaWorld;
  let rtp: RtpengineFixture;
  let music: string;

  beforeAll(async () => {
    world = await startMediaWorld();
    rtp = world.rtp;
    music = await world.tone('music', 300);
  });
  afterAll(async () => {
    await world?.stop();
  });
  const endpoint = (ssrc: number) => world.endpoint(ssrc);

  it('keeps queue music while ringing an agent who never answers, then bridges the next one', async () => {
    const caller = await endpoint(0x11);
    const agentB = await endpoint(0x22);
    const callId = `rna-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft' });
    try {
      await s.offerFromCaller(caller.sdp());
      const toCaller = sdpPort(await s.park());
      await s.playPrompt(music, { repeat: 50 });
      await caller.sendTone(toCaller, 100);
      await s.connectBranch({ webrtc: false }); // agent A rings, never answers
      caller.clear();
      await sleep(500);
      expect(caller.count()).toBeGreaterThanOrEqual(20); // music goes on while ringing

      const { sdp } = await s.connectBranch({ webrtc: false }); // agent B
      const { callerSdpChanged } = await s.answerBranch(agentB.sdp());
      expect(callerSdpChanged).toBe(false);
      caller.clear();
      await Promise.all([caller.sendTone(toCaller, 400), agentB.sendTone(sdpPort(sdp), 400)]);
      await expect.poll(() => agentB.count()).toBeGreaterThanOrEqual(15);
      await expect
        .poll(() => caller.received.filter((p) => p.ssrc === agentB.ssrc).length)
        .toBeGreaterThanOrEqual(15);
    } finally {
      await s.end();
    }
    expect(await rtp.client.list()).not.toContain(callId);
  });

  it('answers a WebRTC agent without turning the caller leg into WebRTC', async () => {
    const caller = await endpoint(0x33);
    const callId = `webrtc-answer-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft' });
    try {
      await s.offerFromCaller(caller.sdp());
      const callerSdp = await s.park();
      const { sdp: offer } = await s.connectBranch({ webrtc: true });
      const { callerSdpChanged } = await s.answerBranch(browserAnswer(offer, 50_000));
      expect(callerSdpChanged).toBe(false);
      expect(callerSdp).toMatch(/^m=audio \d+ RTP\/AVP /m);
    } finally {
      await s.end();
    }
  });
});

/** What a browser answers to rtpengine's WebRTC offer (bundlePolicy 'balanced', rtcp-mux). */
function browserAnswer(offer: string, port: number): string {
  const mid = /^a=mid:(\S+)/m.exec(offer)?.[1] ?? '0';
  const fp = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(
    ':',
  );
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=msid-semantic: WMS',
    `m=audio ${port} UDP/TLS/RTP/SAVPF 0 101`,
    'c=IN IP4 127.0.0.1',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host generation 0`,
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${fp}`,
    'a=setup:active',
    `a=mid:${mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}
