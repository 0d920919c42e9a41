/**
 * Toll-fraud limits on the running edge's call layer (startCallLayer): agent 1001's phone (SIPp,
 * digest) dials numbers through the edge. A premium-rate and an international number are refused
 * with 403 and the reason in the phrase, before anything reaches the carrier, and each refusal is
 * a DialLimitHit event in the outbox journal (no number in it); an allowed number goes out to the
 * carrier (a SIPp UAS) and, while it lasts, a second call of the same agent is over the per-agent cap.
 */
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DialRefusal, decodeEvent } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, callBundle } from '../call/fixtures.ts';
import { agentScenario, sippOffer } from '../call/scenarios.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

const SDP = sippOffer('phone');

/**
 * Agent 1001's phone dials `number` (407, digest, INVITE again). `refused`: the 403's phrase it
 * must get; else the call is answered, held `holdMs` and hung up.
 */
function dialScenario(number: string, o: { refused: string } | { holdMs: number }): string {
  const invite = (cseq: number, auth: string) => `<send retrans="500"><![CDATA[
INVITE sip:${number}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1001@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${number}@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:1001@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${SDP}
]]></send>`;
  const ack = (cseq: number, uri: string) => `<send><![CDATA[
ACK ${uri} SIP/2.0
${uri.startsWith('[') ? 'Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]' : '[last_Via:]'}
From: <sip:1001@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0
]]></send>`;
  const parts = [
    invite(1, ''),
    '<recv response="100" optional="true"/>',
    '<recv response="407" auth="true"/>',
    ack(1, `sip:${number}@[remote_ip]:[remote_port]`),
    invite(2, '[authentication username=1001 password=pw-1001]\n'),
    '<recv response="100" optional="true"/>',
  ];
  if ('refused' in o) {
    parts.push(
      `<recv response="403"><action><ereg regexp="SIP/2.0 403 ${o.refused}" search_in="msg" check_it="true" assign_to="phrase"/></action></recv>`,
      '<Reference variables="phrase"/>',
      ack(2, `sip:${number}@[remote_ip]:[remote_port]`),
    );
  } else {
    parts.push(
      '<recv response="180" optional="true"/>',
      '<recv response="200" rrs="true"/>',
      ack(2, '[next_url]'),
      `<pause milliseconds="${o.holdMs}"/>`,
      `<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1001@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 3 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>`,
      '<recv response="200"/>',
    );
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="dial">\n${parts.join('\n')}\n</scenario>\n`;
}

let edge: EdgeCallLayer;
let carrierPort: number;
/** What reached the carrier's port while no carrier SIPp ran (nothing may). */
let strayToCarrier = 0;
let n = 0;

async function dial(number: string, o: { refused: string } | { holdMs: number }) {
  const file = join(edge.dir, `dial-${++n}.xml`);
  await writeFile(file, dialScenario(number, o));
  // 127.0.0.3: not the carrier trunk's address, so the edge treats it as an agent phone.
  return edge.sipp(file, [], { ip: '127.0.0.3', timeoutS: 30 });
}

/** The DialLimitHit events in the outbox journal, once `done` holds for them. */
async function dialEvents(done: (events: Array<{ reason: DialRefusal }>) => boolean) {
  const read = async () => {
    const rows = await edge.query<{ payload: Uint8Array }>(sql`select payload from event_outbox order by id`);
    return rows.flatMap((r) => {
      const b = decodeEvent(r.payload).body;
      return b.case === 'dialLimitHit' ? [{ ...b.value, bytes: Buffer.from(r.payload) }] : [];
    });
  };
  await expect.poll(async () => done(await read()), { timeout: 5000 }).toBe(true);
  return read();
}

beforeAll(async () => {
  carrierPort = await freePort();
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'dialpolicy',
    bundle: () => {
      const a = agentOn('a-1001', '1001', { sales: 5 }, undefined);
      // SIPp answers digest with MD5 only: the device's own algorithm list (a per-device digest policy).
      a.devices = [
        {
          id: 'phone',
          kind: {
            case: 'sip',
            value: { authUsername: '1001', passwordHashRef: 'sip-1001', digestAlgorithms: ['MD5'] },
          },
        },
      ];
      return callBundle({ agents: [a], carrierPort, extra: { dialPolicy: { maxOutboundPerAgent: 1 } } });
    },
  });
  await edge.setPassword('1001', 'pw-1001');
}, 60_000);

afterAll(async () => {
  await edge?.close();
});

describe('dial policy on the running edge', () => {
  it('refuses premium and international numbers from an agent phone with 403 and the reason; events, no number', async () => {
    const carrier = createSocket('udp4');
    carrier.on('message', () => strayToCarrier++);
    await new Promise<void>((r) => carrier.bind(carrierPort, '127.0.0.1', r));
    try {
      const premium = await dial('+19005550100', { refused: 'Forbidden - dial policy: premium' });
      expect(premium.code, premium.output).toBe(0);
      const intl = await dial('+442079460000', { refused: 'Forbidden - dial policy: international' });
      expect(intl.code, intl.output).toBe(0);
      expect(strayToCarrier).toBe(0);
    } finally {
      carrier.close();
    }
    expect(edge.layer.dialing()).toMatchObject({ outbound: 0, refused: { premium: 1, international: 1 } });
    // The heartbeat's count (SipProtection.dial_refused), as the console's site page shows it.
    expect(edge.layer.protection().dialRefused).toBeGreaterThanOrEqual(2);
    // Journal order is refusal order (the other test's cap refusal aside).
    const policyHit = (e: { reason: DialRefusal }) => e.reason !== DialRefusal.AGENT_LIMIT;
    const events = (await dialEvents((e) => e.filter(policyHit).length >= 2)).filter(policyHit);
    expect(events.map((e) => [e.reason, e.agentId, e.trunkId])).toEqual([
      [DialRefusal.PREMIUM, 'a-1001', 'carrier'],
      [DialRefusal.INTERNATIONAL, 'a-1001', 'carrier'],
    ]);
    for (const e of events) {
      expect(e.bytes.includes('9005550100')).toBe(false);
      expect(e.bytes.includes('2079460000')).toBe(false);
    }
  }, 60_000);

  it('lets an allowed number out to the carrier; a second call of the agent meanwhile is over its cap', async () => {
    const uas = join(edge.dir, 'carrier.xml');
    await writeFile(uas, agentScenario({ ringMs: 100, actions: [{ waitBye: true }] }));
    const carrier = edge.sipp(uas, [], { ip: '127.0.0.1', port: carrierPort, timeoutS: 30 });
    // The first call holds long enough for the second's digest round trip even on a loaded machine.
    const first = dial('+15557654321', { holdMs: 10_000 });
    await expect.poll(() => edge.layer.dialing().outbound, { timeout: 10_000 }).toBe(1);
    const second = await dial('+15551234567', { refused: 'Forbidden - dial limit: agent' });
    expect(second.code, second.output).toBe(0);
    const a = await first;
    expect(a.code, a.output).toBe(0);
    const c = await carrier;
    expect(c.code, c.output).toBe(0);
    // The place is given back when the call out ends.
    await expect.poll(() => edge.layer.dialing().outbound, { timeout: 5000 }).toBe(0);
    expect(edge.layer.dialing().refused['agent-limit']).toBe(1);
    const events = await dialEvents((e) => e.some((x) => x.reason === DialRefusal.AGENT_LIMIT));
    expect(events.find((e) => e.reason === DialRefusal.AGENT_LIMIT)).toMatchObject({
      agentId: 'a-1001',
      trunkId: 'carrier',
    });
    await expect.poll(() => edge.rtp.client.list(), { timeout: 5000 }).toEqual([]);
  }, 60_000);
});
