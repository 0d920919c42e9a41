import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { MediaSessionStateError, NgError, NgTimeoutError } from './errors.ts';
import { type MediaClient, MediaSession } from './media-session.ts';

const carrierSdp =
  'v=0\r\no=c 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
const callerSide = (o: string) =>
  `v=0\r\no=- ${o} 1 IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\nm=audio 30000 RTP/AVP 0 101\r\n`;

type Call = [string, Record<string, unknown>];

function fakeClient(opts: { callerSdp?: (n: number) => string; deleteError?: boolean } = {}) {
  const calls: Call[] = [];
  let answers = 0;
  const rec =
    (name: string, reply: () => object = () => ({ raw: {} })) =>
    async (o: object) => {
      calls.push([name, o as Record<string, unknown>]);
      return reply() as never;
    };
  const client: MediaClient = {
    offer: rec('offer', () => ({ raw: {}, sdp: 'v=0\r\nm=audio 30002 RTP/AVP 0 101\r\n', recordings: [] })),
    answer: rec('answer', () => ({
      raw: {},
      sdp: (opts.callerSdp ?? (() => callerSide('1')))(answers++),
      recordings: [],
    })),
    delete: async (o) => {
      calls.push(['delete', o as unknown as Record<string, unknown>]);
      if (opts.deleteError) throw new NgError('delete', 'Unknown call-id');
      return { raw: {} };
    },
    playMedia: rec('playMedia', () => ({ raw: {}, durationMs: 1000 })),
    stopMedia: rec('stopMedia'),
    blockMedia: rec('blockMedia'),
    unblockMedia: rec('unblockMedia'),
    playDTMF: rec('playDTMF'),
  };
  return { client, calls };
}

let ids = 0;
const newId = () => `id${++ids}`;

describe('MediaSession', () => {
  it('offers, parks, connects a WebRTC agent and deletes the park branch, with the doc recipes', async () => {
    const { client, calls } = fakeClient();
    const s = new MediaSession({ client, callId: 'c1', callerTag: 'ft', record: true, newId });
    await s.offerFromCaller(carrierSdp);
    const toCarrier = await s.park();
    expect(toCarrier).toBe(callerSide('1'));
    const parkTag = s.branch!.tag;
    const { sdp, branchTag } = await s.connectBranch({ webrtc: true });
    expect(sdp).toContain('m=audio');
    const r = await s.answerBranch('v=0\r\nagent\r\n');
    expect(r.callerSdpChanged).toBe(false);
    expect(s.branch?.tag).toBe(branchTag);

    expect(calls.map((c) => c[0])).toEqual(['offer', 'answer', 'offer', 'answer', 'delete']);
    const [first, parkAnswer, agentOffer, agentAnswer, del] = calls.map((c) => c[1]);
    const replace = ['origin', 'session-connection', 'zero-address'];
    expect(first).toMatchObject({
      fromTag: 'ft',
      sdp: carrierSdp,
      replace,
      ice: 'remove',
      transportProtocol: 'RTP/AVP',
      recordCall: true,
    });
    expect(parkAnswer).toMatchObject({
      fromTag: 'ft',
      toTag: parkTag,
      viaBranch: first?.['viaBranch'],
      replace,
      ice: 'remove',
      transportProtocol: 'RTP/AVP',
      flags: ['port-latching', 'original-sendrecv'],
    });
    expect(parkAnswer?.['sdp']).toContain('c=IN IP4 0.0.0.0');
    expect(parkAnswer?.['sdp']).toContain('m=audio 9 RTP/AVP 0 101');
    expect(agentOffer).toMatchObject({
      sdp: carrierSdp,
      transportProtocol: 'UDP/TLS/RTP/SAVPF',
      ice: 'force',
      rtcpMux: ['require'],
      sdes: ['off'],
      flags: ['generate-mid'],
      codec: { strip: ['all'], except: ['PCMU', 'telephone-event'] },
    });
    expect(agentOffer?.['viaBranch']).not.toBe(first?.['viaBranch']);
    expect(agentOffer?.['recordCall']).toBeUndefined();
    expect(agentAnswer).toMatchObject({
      toTag: branchTag,
      viaBranch: agentOffer?.['viaBranch'],
      ice: 'remove',
      transportProtocol: 'RTP/AVP',
      rtcpMux: ['demux'],
      dtls: 'off',
      flags: ['port-latching'],
    });
    expect(del).toEqual({ callId: 'c1', fromTag: 'ft', toTag: parkTag, viaBranch: first?.['viaBranch'] });
  });

  it('alarms when the caller SDP would change', async () => {
    const { client } = fakeClient({
      callerSdp: (n) => callerSide(String(n)).replace('30000', String(30000 + n * 2)),
    });
    const s = new MediaSession({ client, callId: 'c2', callerTag: 'ft', newId });
    const alarms: unknown[] = [];
    s.observer.on('callerSdpChanged', (e) => alarms.push(e));
    await s.offerFromCaller(carrierSdp);
    await s.park();
    await s.connectBranch({ webrtc: false });
    expect((await s.answerBranch('v=0\r\n')).callerSdpChanged).toBe(true);
    expect(alarms).toHaveLength(1);
  });

  it('blocks the agent while a prompt plays and unblocks on stop', async () => {
    const { client, calls } = fakeClient();
    const s = new MediaSession({ client, callId: 'c3', callerTag: 'ft', newId });
    await s.offerFromCaller(carrierSdp);
    await s.park();
    await s.playPrompt('/p.wav'); // on park: nothing to block
    await s.connectBranch({ webrtc: false });
    await s.answerBranch('v=0\r\n');
    const agent = s.branch!.tag;
    calls.length = 0;
    await s.playPrompt('/moh.wav', { repeat: 5 });
    await s.stopPrompt();
    expect(calls).toEqual([
      ['blockMedia', { callId: 'c3', fromTag: agent }],
      ['playMedia', { callId: 'c3', fromTag: 'ft', file: '/moh.wav', repeatTimes: 5 }],
      ['stopMedia', { callId: 'c3', fromTag: 'ft' }],
      ['unblockMedia', { callId: 'c3', fromTag: agent }],
    ]);
  });

  it('unblocks the agent by itself when a one-shot prompt has played', async () => {
    const { client, calls } = fakeClient();
    const timers: (() => void)[] = [];
    const clock = {
      now: () => 0,
      setTimeout: (fn: () => void) => timers.push(fn),
      clearTimeout: () => {},
    };
    const s = new MediaSession({ client, callId: 'c6', callerTag: 'ft', newId, clock });
    await s.offerFromCaller(carrierSdp);
    await s.park();
    await s.connectBranch({ webrtc: false });
    await s.answerBranch('v=0\r\n');
    calls.length = 0;
    await s.playPrompt('/whisper.wav');
    expect(timers).toHaveLength(1);
    timers[0]!();
    await expect
      .poll(() => calls.map((c) => c[0]))
      .toEqual(['blockMedia', 'playMedia', 'stopMedia', 'unblockMedia']);
  });

  it('guards the order of operations', async () => {
    const { client } = fakeClient();
    const s = new MediaSession({ client, callId: 'c4', callerTag: 'ft', newId });
    await expect(s.park()).rejects.toBeInstanceOf(MediaSessionStateError);
    await expect(s.connectBranch({ webrtc: false })).rejects.toBeInstanceOf(MediaSessionStateError);
    await s.offerFromCaller(carrierSdp);
    await expect(s.answerBranch('v=0\r\n')).rejects.toBeInstanceOf(MediaSessionStateError);
  });

  it('end() deletes the whole call once, tolerates an unknown call and fires onEnded', async () => {
    const { client, calls } = fakeClient({ deleteError: true });
    let endedHooks = 0;
    const s = new MediaSession({ client, callId: 'c5', callerTag: 'ft', newId, onEnded: () => endedHooks++ });
    await s.offerFromCaller(carrierSdp);
    await Promise.all([s.end(), s.end()]);
    expect(calls.filter((c) => c[0] === 'delete')).toEqual([['delete', { callId: 'c5' }]]);
    expect(endedHooks).toBe(1);
    await expect(s.park()).rejects.toBeInstanceOf(MediaSessionStateError);
  });

  it('end() retries a delete that timed out in the background until rtpengine answers', async () => {
    const { client, calls } = fakeClient();
    let timeouts = 2;
    const del = client.delete;
    client.delete = async (o) => {
      if (timeouts-- > 0) {
        calls.push(['delete', o as unknown as Record<string, unknown>]);
        throw new NgTimeoutError('delete', 'k', 3);
      }
      return del(o);
    };
    const clock = new FakeClock();
    const s = new MediaSession({ client, callId: 'c6', callerTag: 'ft', newId, clock });
    await s.offerFromCaller(carrierSdp);
    await expect(s.end()).rejects.toBeInstanceOf(NgTimeoutError);
    const deletes = () => calls.filter((c) => c[0] === 'delete').length;
    expect(deletes()).toBe(1);
    await clock.advance(2_000);
    expect(deletes()).toBe(2); // timed out again
    await clock.advance(10_000);
    expect(deletes()).toBe(3); // answered
    await clock.advance(60_000);
    expect(deletes()).toBe(3);
  });
});
