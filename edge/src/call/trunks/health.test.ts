import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ConfigBundleSchema,
  TrunkState as PbState,
  SipTransport,
  type Trunk,
  TrunkKind,
  TrunkSchema,
  TrunkStatusReason,
} from '@hcc/proto';
import { FakeClock, Observer, silentLogger } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { consultTarget } from '../consult.ts';
import { parseReferTo } from '../transfer.ts';
import { chooseTrunks, outboundTrunks, trunkFailed } from './choose.ts';
import {
  type PingOutcome,
  TrunkHealthCounter,
  type TrunkHealthEvents,
  TrunkHealthMonitor,
  type TrunkState,
  type TrunkStatusChange,
} from './health.ts';
import { pingAnswered, trunkPingHop } from './ping.ts';
import { trunkHealthEntries, trunkStatusBody } from './proto.ts';

const ok: PingOutcome = { ok: true, rttMs: 12, status: 200 };
const lost: PingOutcome = { ok: false, reason: 'timeout' };

describe('TrunkHealthCounter', () => {
  it('goes up on the first answer, down after N failures in a row, up again after M answers', () => {
    const c = new TrunkHealthCounter(3, 2, 0);
    expect(c.state).toBe('unknown');
    expect(c.record(ok, 1)).toMatchObject({ state: 'up', previous: 'unknown', reason: 'answered' });
    expect(c.record(lost, 2)).toBeUndefined();
    expect(c.record(lost, 3)).toBeUndefined();
    expect(c.record(ok, 4)).toBeUndefined(); // an answer breaks the run
    expect(c.record(lost, 5)).toBeUndefined();
    expect(c.record(lost, 6)).toBeUndefined();
    expect(c.record({ ok: false, reason: 'error-response', status: 503 }, 7)).toEqual({
      state: 'down',
      previous: 'up',
      reason: 'error-response',
      consecutive: 3,
    });
    expect(c.lastChange).toBe(7);
    expect(c.record(lost, 8)).toBeUndefined(); // already down: no second event
    expect(c.record(ok, 9)).toBeUndefined();
    expect(c.record(ok, 10)).toMatchObject({ state: 'up', previous: 'down', consecutive: 2 });
    expect(c.failures).toBe(6);
    expect(c.successes).toBe(4);
    expect(c.rttMs).toBe(12);
  });

  it('marks a trunk that never answered down from unknown', () => {
    const c = new TrunkHealthCounter(2, 2, 0);
    expect(c.record(lost, 1)).toBeUndefined();
    expect(c.record(lost, 2)).toMatchObject({ state: 'down', previous: 'unknown', reason: 'timeout' });
  });

  it('counts 408 and 5xx/6xx as failures, any other final response as an answer', () => {
    for (const s of [200, 401, 403, 404, 405, 407, 481, 488]) expect(pingAnswered(s)).toBe(true);
    for (const s of [100, 180, 408, 500, 503, 504, 600, 603]) expect(pingAnswered(s)).toBe(false);
  });
});

const trunk = (id: string, over: Omit<MessageInitShape<typeof TrunkSchema>, '$typeName'> = {}) =>
  create(TrunkSchema, { id, kind: TrunkKind.CARRIER, host: '127.0.0.1', port: 5070, ...over });
const bundleOf = (trunks: Trunk[], version = 1n) => create(ConfigBundleSchema, { version, trunks });

/** A monitor on a fake clock whose pings answer as `alive` says (per trunk id). */
function rig(trunks: Trunk[]) {
  const clock = new FakeClock();
  let bundle = bundleOf(trunks);
  const alive = new Map(trunks.map((t) => [t.id, true]));
  const pinged: string[] = [];
  const changes: TrunkStatusChange[] = [];
  const observer = new Observer<TrunkHealthEvents>();
  observer.on('trunkStatusChanged', (e) => changes.push(e));
  const m = new TrunkHealthMonitor({
    config: { current: () => bundle },
    clock,
    log: silentLogger,
    observer,
    ping: (t) => {
      pinged.push(t.id);
      return Promise.resolve(alive.get(t.id) ? ok : lost);
    },
  });
  // Runs the timers one by one, letting each ping's promise settle before the next.
  const advance = async (ms: number) => {
    for (let i = 0; i < ms / 100; i++) {
      clock.advanceSync(100);
      for (let j = 0; j < 5; j++) await Promise.resolve();
    }
  };
  return {
    clock,
    m,
    alive,
    pinged,
    changes,
    advance,
    setBundle: (b: typeof bundle) => {
      bundle = b;
    },
  };
}

describe('TrunkHealthMonitor', () => {
  it('marks a silent trunk down within failures x interval, emits the change, and up again', async () => {
    const r = rig([
      trunk('a', { optionsIntervalSeconds: 2, downAfterFailures: 3, upAfterSuccesses: 2 }),
      trunk('b'),
    ]);
    r.m.start();
    await r.advance(100);
    expect(r.m.state('a')).toBe('up');
    expect(r.m.state('b')).toBe('up');
    r.alive.set('a', false);
    const cut = r.clock.now();
    await r.advance(5000);
    expect(r.m.state('a')).toBe('up'); // two failures so far (at +2 s and +4 s)
    await r.advance(2000);
    expect(r.m.state('a')).toBe('down');
    const down = r.changes.find((c) => c.state === 'down');
    expect(down).toMatchObject({
      trunkId: 'a',
      previous: 'up',
      reason: 'timeout',
      consecutive: 3,
      configVersion: 1n,
    });
    expect(r.m.view().find((v) => v.id === 'a')!.lastChange - cut).toBeLessThanOrEqual(6000);
    r.alive.set('a', true);
    await r.advance(4000);
    expect(r.m.state('a')).toBe('up');
    expect(r.changes.map((c) => `${c.trunkId}:${c.state}`)).toEqual(['a:up', 'b:up', 'a:down', 'a:up']);
    r.m.stop();
    expect(r.clock.pending).toBe(0);
  });

  it('follows the config: a removed trunk stops being pinged, a new one starts, ping off is unmonitored', async () => {
    const r = rig([trunk('a', { optionsIntervalSeconds: 1 }), trunk('b', { optionsIntervalSeconds: 1 })]);
    r.m.start();
    await r.advance(2000);
    r.setBundle(
      bundleOf([trunk('b', { optionsIntervalSeconds: 1 }), trunk('c', { optionsPingOff: true })], 2n),
    );
    await r.advance(1100);
    r.pinged.length = 0;
    await r.advance(3000);
    expect(new Set(r.pinged)).toEqual(new Set(['b']));
    expect(r.m.view().map((v) => [v.id, v.state])).toEqual([
      ['b', 'up'],
      ['c', 'unmonitored'],
    ]);
    expect(r.m.state('a')).toBe('unknown');
    r.m.stop();
  });

  it('restarts a trunk from unknown when its address changes', async () => {
    const r = rig([trunk('a', { optionsIntervalSeconds: 1, downAfterFailures: 1 })]);
    r.alive.set('a', false);
    r.m.start();
    await r.advance(500);
    expect(r.m.state('a')).toBe('down');
    r.setBundle(bundleOf([trunk('a', { optionsIntervalSeconds: 1, downAfterFailures: 1, port: 5080 })], 2n));
    r.alive.set('a', true);
    await r.advance(1100);
    expect(r.m.state('a')).toBe('up');
    r.m.stop();
  });
});

describe('chooseTrunks', () => {
  const b = bundleOf([
    trunk('pbx', { kind: TrunkKind.PBX }),
    trunk('c2', { priority: 20 }),
    trunk('c1', { priority: 10 }),
    trunk('c3', { priority: 20 }),
  ]);
  const health = (down: string[]) => ({
    state: (id: string): TrunkState => (down.includes(id) ? 'down' : 'up'),
  });

  it('orders carriers by priority, ties in bundle order, and the named trunk first', () => {
    expect(outboundTrunks(b).map((t) => t.id)).toEqual(['c1', 'c2', 'c3']);
    expect(chooseTrunks(b, undefined, 'c3').trunks.map((t) => t.id)).toEqual(['c3', 'c1', 'c2']);
    expect(chooseTrunks(bundleOf([trunk('x', { kind: TrunkKind.PBX })])).trunks.map((t) => t.id)).toEqual([
      'x',
    ]);
  });

  it('skips down trunks, and tries all in order when every one is down', () => {
    const c = chooseTrunks(b, health(['c1']));
    expect(c.trunks.map((t) => t.id)).toEqual(['c2', 'c3']);
    expect(c.skipped.map((t) => t.id)).toEqual(['c1']);
    const all = chooseTrunks(b, health(['c1', 'c2', 'c3']));
    expect(all.trunks.map((t) => t.id)).toEqual(['c1', 'c2', 'c3']);
    expect(all.skipped).toEqual([]);
  });

  it('fails over on no answer, 408 and 5xx only', () => {
    expect([undefined, 408, 500, 503].map(trunkFailed)).toEqual([true, true, true, true]);
    expect([404, 486, 487, 600, 603].map(trunkFailed)).toEqual([false, false, false, false, false]);
  });

  it('gives a blind transfer the first trunk by priority and a consultation its failover list', () => {
    expect(parseReferTo('<sip:+15557654321@edge>', b)).toEqual({
      kind: 'step',
      step: { kind: 'external', number: '+15557654321', trunkId: 'c1' },
    });
    const t = consultTarget(b, '+15557654321', health(['c1']));
    expect(t?.kind === 'external' && [t.trunk.id, t.fallback.map((x) => x.id)]).toEqual(['c2', ['c3']]);
    const noHealth = consultTarget(b, '+15557654321');
    expect(noHealth?.kind === 'external' && [noHealth.trunk.id, noHealth.fallback.map((x) => x.id)]).toEqual([
      'c1',
      ['c2', 'c3'],
    ]);
  });
});

describe('trunk health on the wire', () => {
  it('maps a change to TrunkStatusChanged and the view to heartbeat entries (ids and enums only)', () => {
    const body = trunkStatusBody({
      trunkId: 'carrier-a',
      state: 'down',
      previous: 'up',
      reason: 'error-response',
      consecutive: 3,
      configVersion: 4n,
    });
    expect(body.case).toBe('trunkStatusChanged');
    expect(body.value).toMatchObject({
      trunkId: 'carrier-a',
      state: PbState.DOWN,
      previousState: PbState.UP,
      reason: TrunkStatusReason.ERROR_RESPONSE,
      consecutive: 3,
    });
    const [a, b] = trunkHealthEntries([
      { id: 'a', state: 'up', lastChange: 1_700_000_000_500, rttMs: 12.4, failures: 1, successes: 9 },
      {
        id: 'b',
        state: 'unmonitored',
        lastChange: 1_700_000_000_000,
        rttMs: undefined,
        failures: 0,
        successes: 0,
      },
    ]);
    expect(a).toMatchObject({ trunkId: 'a', state: PbState.UP, rttMs: 12, failures: 1n });
    expect(a?.lastChange).toMatchObject({ seconds: 1_700_000_000n, nanos: 500_000_000 });
    expect(b).toMatchObject({ trunkId: 'b', state: PbState.UNMONITORED, rttMs: 0, failures: 0n });
  });

  it("pings over the trunk's transport, to its port or the transport's default", () => {
    expect(trunkPingHop(trunk('t', { port: 0 }))).toEqual({
      protocol: 'UDP',
      address: '127.0.0.1',
      port: 5060,
    });
    expect(trunkPingHop(trunk('t', { transport: SipTransport.TCP, port: 5070 }))).toMatchObject({
      protocol: 'TCP',
      port: 5070,
    });
    expect(trunkPingHop(trunk('t', { transport: SipTransport.TLS, port: 0 }))).toMatchObject({
      protocol: 'TLS',
      port: 5061,
    });
  });
});
