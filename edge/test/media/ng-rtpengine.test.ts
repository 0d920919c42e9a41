/** The NG client against a real rtpengine: ping, offer/answer with RTP both ways, delete, list/query. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NgError } from '../../src/media/index.ts';
import { RtpEndpoint, sdpPort } from './rtp-endpoint.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

const COMMON = {
  replace: ['origin', 'session-connection', 'zero-address'],
  ice: 'remove',
  transportProtocol: 'RTP/AVP',
} as const;

describe('NgClient with a real rtpengine', () => {
  let rtp: RtpengineFixture;
  beforeAll(async () => {
    rtp = await startRtpengine();
  });
  afterAll(async () => {
    await rtp?.stop();
  });

  it('pings', async () => {
    await expect(rtp.client.ping()).resolves.toBeUndefined();
  });

  it('relays RTP both ways after offer/answer and leaves no session after delete', async () => {
    const caller = await RtpEndpoint.open(0x1111);
    const agent = await RtpEndpoint.open(0x2222);
    try {
      const callId = `ng-${Date.now()}`;
      const offer = await rtp.client.offer({
        callId,
        fromTag: 'caller',
        viaBranch: 'b1',
        sdp: caller.sdp(),
        ...COMMON,
        replace: [...COMMON.replace],
      });
      const answer = await rtp.client.answer({
        callId,
        fromTag: 'caller',
        toTag: 'agent',
        viaBranch: 'b1',
        sdp: agent.sdp(),
        ...COMMON,
        replace: [...COMMON.replace],
        flags: ['port-latching'],
      });
      // The offer's SDP goes to the agent (it sends there); the answer's SDP goes to the caller.
      const toAgentPort = sdpPort(offer.sdp);
      const toCallerPort = sdpPort(answer.sdp);
      expect(toAgentPort).toBeGreaterThanOrEqual(rtp.portMin);
      expect(toCallerPort).toBeLessThanOrEqual(rtp.portMax);
      await Promise.all([caller.sendTone(toCallerPort, 400), agent.sendTone(toAgentPort, 400)]);
      await expect.poll(() => agent.count()).toBeGreaterThanOrEqual(18);
      await expect.poll(() => caller.count()).toBeGreaterThanOrEqual(18);
      expect(agent.received.every((p) => p.from === toAgentPort)).toBe(true);

      const q = await rtp.client.query({ callId });
      expect(Object.keys(q.tags).sort()).toEqual(['agent', 'caller']);
      expect(q.totals.rtpPackets).toBeGreaterThanOrEqual(36);
      expect(await rtp.client.list()).toContain(callId);

      await rtp.client.delete({ callId });
      expect(await rtp.client.list()).not.toContain(callId);
      const err = await rtp.client.query({ callId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NgError);
      expect((err as NgError).reason).toBe('Unknown call-id');
    } finally {
      caller.close();
      agent.close();
    }
  });

  it('reports an unknown command as NgError', async () => {
    await expect(rtp.client.request('no such command')).rejects.toMatchObject({
      name: 'NgError',
      reason: 'Unrecognized command',
    });
  });

  it('returns statistics', async () => {
    const stats = await rtp.client.statistics();
    expect(Object.keys(stats).length).toBeGreaterThan(0);
  });
});
