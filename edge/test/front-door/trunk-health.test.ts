/**
 * Trunk health and failover on the call layer the running edge builds (startCallLayer), with two
 * real SIPp trunks on loopback that answer OPTIONS and INVITE. The first trunk stops answering (its
 * SIPp is stopped): the edge's OPTIONS pings mark it down within failures x interval + the ping
 * timeout, journal a TrunkStatusChanged event, and the next call out (an IVR transfer to an outside
 * number naming the first trunk) goes to the second trunk. A trunk that answers OPTIONS but refuses
 * the INVITE with 503 is failed over from, call by call (sequential failover).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, SipTransport, TrunkKind, TrunkState, TrunkStatusReason } from '@hcc/proto';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DigestClient,
  Headers,
  newCallId,
  newTag,
  SipRequest,
  SipStack,
  sendWithDigest,
  UdpTransport,
} from '../../src/sip/index.ts';
import { agentOn, CALLER, callBundle, DID } from '../call/fixtures.ts';
import { callerScenario, sippOffer, writeScenario } from '../call/scenarios.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

const OUTSIDE = '+15557654321';
const A_IP = '127.0.0.11';
const B_IP = '127.0.0.12';
const INTERVAL_S = 1;
const DOWN_AFTER = 2;

const xml = (body: string) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="trunk">\n${body}\n</scenario>\n`;
const reply = (status: string, extra = '', body = '') => `<send><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
${extra}Content-Length: [len]
${body ? `\n${body}` : ''}
]]></send>`;
const TRUNK_SDP = sippOffer('trunk');

/**
 * A carrier as SIPp plays it: every OPTIONS gets 200; an INVITE is answered (then BYE from the edge)
 * or, with `refuse`, gets 503. Each new Call-ID is a SIPp call of this scenario.
 */
function trunkScenario(refuse: boolean): string {
  const invite = refuse
    ? [reply('503 Service Unavailable'), '<recv request="ACK"/>']
    : [
        reply('100 Trying'),
        reply(
          '200 OK',
          'Contact: <sip:trunk@[local_ip]:[local_port]>\nContent-Type: application/sdp\n',
          TRUNK_SDP,
        ),
        '<recv request="ACK"/>',
        '<recv request="BYE"/>',
        reply('200 OK'),
      ];
  return xml(
    [
      '<recv request="OPTIONS" optional="true" next="options"/>',
      '<recv request="INVITE"/>',
      ...invite,
      '<nop next="done"/>',
      '<label id="options"/>',
      reply('200 OK', 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\n'),
      '<label id="done"/>',
    ].join('\n'),
  );
}

let dir: string;
let edge: EdgeCallLayer;
const ports = { a: 0, b: 0 };
const trunks = new Map<'a' | 'b', { child: ManagedChild; refuse: boolean }>();

async function startTrunk(which: 'a' | 'b', refuse = false): Promise<void> {
  const ip = which === 'a' ? A_IP : B_IP;
  const scenario = await writeScenario(
    dir,
    `trunk-${which}-${refuse ? 'refuse' : 'answer'}`,
    trunkScenario(refuse),
  );
  const child = startChild({
    name: `sipp-trunk-${which}`,
    command: 'sipp',
    args: [
      '-sf',
      scenario,
      '-i',
      ip,
      '-p',
      String(ports[which]),
      '-mi',
      ip,
      '-mp',
      String(await freePort(ip, 4)),
    ].concat(['-t', 'u1', '-nostdin', '-trace_err']),
    cwd: dir,
  });
  trunks.set(which, { child, refuse });
}

async function stopTrunk(which: 'a' | 'b'): Promise<void> {
  await trunks.get(which)?.child.stop();
  trunks.delete(which);
}

/** Trunk `which` runs in this mode and the edge has it up (a test may run alone, in any order). */
async function trunkUp(which: 'a' | 'b', refuse: boolean): Promise<void> {
  if (trunks.get(which)?.refuse !== refuse) {
    await stopTrunk(which);
    await startTrunk(which, refuse);
  }
  await waitFor(`carrier-${which} up`, () => stateOf(`carrier-${which}`) === 'up', 10_000, 20);
}

const stateOf = (id: string) => edge.layer.trunks().find((t) => t.id === id)?.state;

/** One caller into the IVR flow that transfers to the outside number; it hangs up after a second. */
async function callOut(name: string): Promise<string> {
  const scenario = await writeScenario(
    dir,
    name,
    callerScenario({ did: DID, number: CALLER, actions: [{ pause: 1000 }, { bye: true }] }),
  );
  const count = async () =>
    (await edge.query<{ id: string }>(sql`select interaction_id as id from cdrs`)).length;
  const before = await count();
  const r = await edge.sipp(scenario, [], { timeoutS: 30 });
  expect(r.code, r.output).toBe(0);
  // The CDR is written once the call has ended on the edge's side too.
  await waitFor('the CDR', async () => (await count()) > before, 10_000);
  const [cdr] = await edge.query<{ interaction_id: string }>(
    sql`select interaction_id from cdrs order by started_at desc limit 1`,
  );
  return cdr!.interaction_id;
}

const legsOf = (id: string) =>
  edge.query<{ target: string; result: string; final_status: number | null }>(
    sql`select target, result, final_status from cdr_legs where interaction_id = ${id} and role = 'external' order by id`,
  );
const stepsOf = (id: string) =>
  edge.query<{ kind: string; detail: Record<string, string | number> }>(
    sql`select kind, detail from cdr_steps where interaction_id = ${id} order by id`,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hcc-trunk-health-'));
  ports.a = await freePort(A_IP);
  ports.b = await freePort(B_IP);
  await startTrunk('a');
  await startTrunk('b');
  const health = { optionsIntervalSeconds: INTERVAL_S, downAfterFailures: DOWN_AFTER, upAfterSuccesses: 2 };
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'trunkhealth',
    bundle: () => {
      const b = callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] });
      // The inbound carrier (the caller SIPp) stays last and unpinged: calls out go to a, then b.
      const inbound = b.trunks[0]!;
      inbound.priority = 100;
      inbound.optionsPingOff = true;
      b.trunks.push(
        {
          ...inbound,
          id: 'carrier-a',
          name: 'a',
          host: A_IP,
          port: ports.a,
          allowedSourceCidrs: [],
          priority: 10,
          optionsPingOff: false,
          outboundAuth: undefined,
          ...health,
        },
        {
          ...inbound,
          id: 'carrier-b',
          name: 'b',
          host: B_IP,
          port: ports.b,
          allowedSourceCidrs: [],
          priority: 20,
          optionsPingOff: false,
          outboundAuth: undefined,
          ...health,
        },
      );
      for (const t of b.trunks) {
        t.kind = TrunkKind.CARRIER;
        t.transport = SipTransport.UDP;
      }
      const flow = b.flows[0]!;
      flow.entryNodeId = 'out';
      flow.nodes.push({
        ...flow.nodes[0]!,
        id: 'out',
        kind: {
          case: 'transfer',
          value: {
            $typeName: 'hcc.config.v1.Transfer',
            target: {
              case: 'external',
              value: { $typeName: 'hcc.config.v1.ExternalNumber', number: OUTSIDE, trunkId: 'carrier-a' },
            },
          },
        },
      });
      return b;
    },
  });
}, 60_000);

afterAll(async () => {
  for (const w of ['a', 'b'] as const) await stopTrunk(w);
  await edge?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('trunk health (OPTIONS) and failover', () => {
  it('pings every trunk except the one switched off', async () => {
    await waitFor(
      'both trunks up',
      () => stateOf('carrier-a') === 'up' && stateOf('carrier-b') === 'up',
      5000,
    );
    expect(stateOf('carrier')).toBe('unmonitored');
    const a = edge.layer.trunks().find((t) => t.id === 'carrier-a')!;
    expect(a.rttMs).toBeGreaterThanOrEqual(0);
    expect(a.failures).toBe(0);
  });

  it('a trunk that stops answering is marked down in time, and the next call out uses the second trunk', async () => {
    await trunkUp('a', false);
    await trunkUp('b', false);
    /** The newest TrunkStatusChanged in the outbox (the edge's events journal). */
    const lastChange = async () => {
      const [row] = await edge.query<{ payload: Uint8Array }>(
        sql`select payload from event_outbox where kind = 'trunk_status_changed' order by id desc limit 1`,
      );
      const body = row ? decodeEvent(row.payload).body : undefined;
      return body?.case === 'trunkStatusChanged' ? body.value : undefined;
    };
    const cut = Date.now();
    await stopTrunk('a');
    await waitFor('carrier-a down', () => stateOf('carrier-a') === 'down', 10_000, 20);
    const tookMs = Date.now() - cut;
    // At most DOWN_AFTER pings, each one interval apart and given up after one interval (plus scheduling slack).
    expect(tookMs).toBeLessThanOrEqual((DOWN_AFTER + 1) * INTERVAL_S * 1000 + 500);
    expect(stateOf('carrier-b')).toBe('up');
    // The change is journaled as a TrunkStatusChanged event (ids and enums only).
    const change = await waitFor('the change journaled', async () => {
      const c = await lastChange();
      return c?.trunkId === 'carrier-a' && c.state === TrunkState.DOWN ? c : undefined;
    });
    expect(change).toMatchObject({
      previousState: TrunkState.UP,
      reason: TrunkStatusReason.TIMEOUT,
      consecutive: 2,
    });

    const id = await callOut('caller-after-down');
    const legs = await legsOf(id);
    expect(legs.map((l) => [l.target.includes(B_IP), l.result, l.final_status])).toEqual([
      [true, 'answered', 200],
    ]);
    const steps = await stepsOf(id);
    expect(steps.find((s) => s.kind === 'trunk-down-skip')?.detail).toEqual({ trunk: 'carrier-a' });
    expect(await edge.rtp.client.list()).toEqual([]);
  }, 40_000);

  it('comes back up after its answers, and a 503 to the INVITE fails over to the next trunk', async () => {
    await trunkUp('b', false);
    if (stateOf('carrier-a') !== 'down') {
      await stopTrunk('a');
      await waitFor('carrier-a down', () => stateOf('carrier-a') === 'down', 10_000, 20);
    }
    await startTrunk('a', true); // answers OPTIONS, refuses calls
    const back = Date.now();
    await waitFor('carrier-a up again', () => stateOf('carrier-a') === 'up', 10_000, 20);
    expect(Date.now() - back).toBeLessThanOrEqual(3 * INTERVAL_S * 1000 + 500);
    const id = await callOut('caller-503');
    const legs = await legsOf(id);
    expect(
      legs.map((l) => [l.target.includes(A_IP) ? 'a' : l.target.includes(B_IP) ? 'b' : '?', l.final_status]),
    ).toEqual([
      ['a', 503],
      ['b', 200],
    ]);
    const steps = await stepsOf(id);
    expect(steps.filter((s) => s.kind === 'trunk-failed').map((s) => s.detail)).toEqual([
      { trunk: 'carrier-a', status: 503 },
    ]);
    expect(steps.some((s) => s.kind === 'trunk-down-skip')).toBe(false);
  }, 40_000);

  it("an agent phone's consultation to a number fails over the same way", async () => {
    // Trunk a answers OPTIONS (up) and refuses calls with 503; b answers.
    await trunkUp('a', true);
    await trunkUp('b', false);
    await edge.setPassword('1001', 'pw-1001');
    const port = await freePort();
    const ua = new SipStack({ transports: [new UdpTransport({ host: '127.0.0.1', port })] });
    ua.use('ACK', () => {});
    await ua.start();
    try {
      const h = new Headers();
      h.append('From', `<sip:1001@127.0.0.1>;tag=${newTag()}`);
      h.append('To', `<sip:${OUTSIDE}@127.0.0.1>`);
      h.append('Call-ID', newCallId());
      h.append('CSeq', '1 INVITE');
      h.append('Content-Type', 'application/sdp');
      const sdp = `v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${await freePort()} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
      const inv = new SipRequest('INVITE', `sip:${OUTSIDE}@127.0.0.1:${edge.sipPort}`, h, Buffer.from(sdp));
      const consult = await sendWithDigest(
        ua,
        inv,
        new DigestClient({ username: '1001', password: 'pw-1001' }),
      );
      // Only trunk b can have answered: a refuses every call, and the inbound carrier's port is silent.
      expect(consult.response.status).toBe(200);
      await consult.request.dialog!.bye();
    } finally {
      await ua.close();
    }
    await waitFor('no media left', async () => (await edge.rtp.client.list()).length === 0, 5000);
  }, 30_000);
});
