import { describe, expect, it } from 'vitest';
import { ConsultMedia, isWebrtcSdp } from './consult-media.ts';
import { MediaSessionStateError, NgError } from './errors.ts';
import type { AnswerOptions, DeleteOptions, OfferOptions } from './ng-types.ts';

const BROWSER = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n';
const PHONE = 'v=0\r\nm=audio 4000 RTP/AVP 0 101\r\n';

function fakeClient() {
  const calls: Array<['offer', OfferOptions] | ['answer', AnswerOptions] | ['delete', DeleteOptions]> = [];
  let gone = false;
  return {
    calls,
    vanish: () => {
      gone = true;
    },
    client: {
      offer: async (o: OfferOptions) => {
        calls.push(['offer', o]);
        return { sdp: 'to-callee', recordings: [] } as never;
      },
      answer: async (o: AnswerOptions) => {
        calls.push(['answer', o]);
        return { sdp: 'to-caller' } as never;
      },
      delete: async (o: DeleteOptions) => {
        calls.push(['delete', o]);
        if (gone) throw new NgError('delete', 'Unknown call-id');
        return {} as never;
      },
    },
  };
}

describe('consult media (two-party call)', () => {
  it('tells a browser offer from a phone offer', () => {
    expect(isWebrtcSdp(BROWSER)).toBe(true);
    expect(isWebrtcSdp(PHONE)).toBe(false);
  });

  it('browser calls a phone: plain RTP towards the phone, WebRTC back to the browser', async () => {
    const f = fakeClient();
    let released = 0;
    const m = new ConsultMedia({ client: f.client, callId: 'c1', callerTag: 'a', onEnded: () => released++ });
    expect(await m.offer(BROWSER, false)).toBe('to-callee');
    expect(await m.answer('b', PHONE)).toBe('to-caller');
    expect(m.callerSdp).toBe('to-caller');
    const [[, offer], [, answer]] = f.calls as [[string, OfferOptions], [string, AnswerOptions]];
    expect(offer).toMatchObject({
      callId: 'c1',
      fromTag: 'a',
      transportProtocol: 'RTP/AVP',
      ice: 'remove',
      rtcpMux: ['demux'],
      dtls: 'off',
      codec: { strip: ['all'], except: ['PCMU', 'PCMA', 'telephone-event'] },
    });
    expect(answer).toMatchObject({
      toTag: 'b',
      transportProtocol: 'UDP/TLS/RTP/SAVPF',
      ice: 'force',
      rtcpMux: ['require'],
      sdes: ['off'],
      flags: ['generate-mid'],
    });
    await m.end();
    await m.end();
    expect(f.calls.filter(([k]) => k === 'delete')).toHaveLength(1);
    expect(released).toBe(1);
  });

  it('phone calls a browser: WebRTC towards the browser, plain RTP back', async () => {
    const f = fakeClient();
    const m = new ConsultMedia({ client: f.client, callId: 'c2', callerTag: 'a' });
    await m.offer(PHONE, true);
    await m.answer('b', BROWSER);
    const [[, offer], [, answer]] = f.calls as [[string, OfferOptions], [string, AnswerOptions]];
    expect(offer).toMatchObject({ transportProtocol: 'UDP/TLS/RTP/SAVPF', ice: 'force', sdes: ['off'] });
    expect(answer).toMatchObject({ transportProtocol: 'RTP/AVP', ice: 'remove', dtls: 'off' });
  });

  it('refuses out-of-order steps; a call rtpengine lost still ends cleanly', async () => {
    const f = fakeClient();
    const m = new ConsultMedia({ client: f.client, callId: 'c3', callerTag: 'a' });
    await expect(m.answer('b', PHONE)).rejects.toBeInstanceOf(MediaSessionStateError);
    await m.offer(PHONE, false);
    await expect(m.offer(PHONE, false)).rejects.toBeInstanceOf(MediaSessionStateError);
    f.vanish();
    await m.end();
    expect(m.ended).toBe(true);
  });
});
