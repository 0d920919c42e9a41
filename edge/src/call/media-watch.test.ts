import { FakeClock, silentLogger } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { NgError, NgTimeoutError, type QueryReply } from '../media/index.ts';
import { MediaWatch } from './media-watch.ts';
import { CallRegistry } from './registry.ts';
import type { CallSession, HungReason } from './session.ts';
import type { LegRef } from './types.ts';

const sdp = (dir: string) => `v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=${dir}\r\n`;

function fakeCall(id: string, dir = 'sendrecv') {
  const call = {
    interactionId: id,
    trunkId: 't',
    callerTag: `tag-${id}`,
    callerDialog: {},
    ended: false,
    media: { callerOffer: sdp(dir) },
    hung: undefined as HungReason | undefined,
    disconnect(r: HungReason) {
      call.hung = r;
      call.ended = true;
    },
  };
  return call;
}

const reply = (tag: string, packetsIn: number): QueryReply =>
  ({ raw: {}, tags: { [tag]: { tag, subscriptions: [], packetsIn } }, totals: {} }) as unknown as QueryReply;

function setup() {
  const clock = new FakeClock(0);
  const registry = new CallRegistry<CallSession, LegRef>();
  const packets = new Map<string, number | Error>();
  const watch = new MediaWatch({
    registry,
    query: (callId, tag) => {
      const p = packets.get(callId);
      if (p === undefined) return undefined;
      return p instanceof Error ? Promise.reject(p) : Promise.resolve(reply(tag, p));
    },
    timeoutMs: 10_000,
    holdTimeoutMs: 60_000,
    clock,
    log: silentLogger,
  });
  const add = (c: ReturnType<typeof fakeCall>) => registry.add(c as unknown as CallSession);
  /** One sweep at time t (ms). */
  const at = async (t: number) => {
    clock.advanceSync(t - clock.now());
    await watch.checkAll();
  };
  return { packets, add, at };
}

describe('MediaWatch', () => {
  it("ends a call whose caller's packet count stands still for the timeout, not one that moves", async () => {
    const { packets, add, at } = setup();
    const silent = fakeCall('silent');
    const talking = fakeCall('talking');
    add(silent);
    add(talking);
    for (const t of [0, 4000, 8000, 9999]) {
      packets.set('silent', 50);
      packets.set('talking', t);
      await at(t);
    }
    expect(silent.hung).toBeUndefined();
    packets.set('talking', 10_000);
    await at(10_000);
    expect(silent.hung).toBe('media-timeout');
    expect(talking.hung).toBeUndefined();
  });

  it('gives a caller on hold (its SDP says it sends nothing) the hold timeout', async () => {
    const { packets, add, at } = setup();
    const held = fakeCall('held', 'inactive');
    add(held);
    packets.set('held', 3);
    await at(0);
    await at(30_000);
    expect(held.hung).toBeUndefined();
    await at(60_000);
    expect(held.hung).toBe('media-timeout');
  });

  it('ends a call rtpengine deleted; an rtpengine that does not answer ends nothing', async () => {
    const { packets, add, at } = setup();
    const gone = fakeCall('gone');
    const unsure = fakeCall('unsure');
    add(gone);
    add(unsure);
    packets.set('gone', new NgError('query', 'Unknown call-id'));
    packets.set('unsure', new NgTimeoutError('query', 'c1', 3));
    await at(0);
    await at(20_000);
    expect(gone.hung).toBe('media-timeout');
    expect(unsure.hung).toBeUndefined();
  });
});
