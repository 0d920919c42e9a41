/**
 * A direct agent-to-agent call (agent 1001's phone dials extension 1002 through the edge, digest
 * auth): the agent's device rings and answers, and the call reports AgentRinging and Answered events
 * for agent a-1002 the way queued calls do. It writes no CDR (a consultation call) and leaves
 * nothing in rtpengine.
 */
import { decodeEvent } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sipRealm } from '../../src/secrets/index.ts';
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
import { RtpEndpoint } from '../media/rtp-endpoint.ts';
import { agentOn, DID } from './fixtures.ts';
import type { Harness } from './harness.ts';
import { call, legs, noMediaLeft, ok, oneCdr, phone, withEdge } from './kit.ts';

const pcma = (sdp: string) =>
  sdp.replace('RTP/AVP 0 101', 'RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');

async function directEvents(h: Harness) {
  await h.bridge.flush();
  const rows = await h.query<{ payload: Uint8Array }>(sql`select payload from event_outbox order by id`);
  return rows
    .map((p) => decodeEvent(p.payload).body)
    .flatMap((b) => (b.case === 'interaction' ? [b.value] : []))
    .filter((i) => i.body.case === 'agentRinging' || i.body.case === 'answered');
}

describe('direct agent calls', () => {
  it('emits AgentRinging and Answered for the called agent', async () => {
    const [pA, pB] = [await freePort(), await freePort()];
    const a1001 = agentOn('a-1001', '1001', { sales: 5 }, pA);
    a1001.devices = [
      { id: 'phone', kind: { case: 'sip', value: { authUsername: '1001', passwordHashRef: 'sip-1001' } } },
    ];
    const bundle = { agents: [a1001, agentOn('a-1002', '1002', { support: 5 }, pB)] };
    await withEdge('directcall', bundle, async (h) => {
      await h.secrets.setDevicePassword('sip-1001', '1001', sipRealm('hq'), 'pw-1001');
      const ua = new SipStack({ transports: [new UdpTransport({ host: '127.0.0.1', port: pA })] });
      const rtp = await RtpEndpoint.open(0xa1);
      let byes = 0;
      ua.use('BYE', (req) => {
        byes++;
        req.reply(200);
      });
      await ua.start();
      try {
        const b = phone(h, pB, { ringMs: 300, actions: [{ audio: true }, { pause: 1000 }, { bye: true }] });
        const hdr = new Headers();
        hdr.append('From', `<sip:1001@127.0.0.1>;tag=${newTag()}`);
        hdr.append('To', '<sip:1002@127.0.0.1>');
        hdr.append('Call-ID', newCallId());
        hdr.append('CSeq', '1 INVITE');
        hdr.append('Content-Type', 'application/sdp');
        const inv = new SipRequest(
          'INVITE',
          `sip:1002@127.0.0.1:${h.sipPort}`,
          hdr,
          Buffer.from(pcma(rtp.sdp())),
        );
        const r = await sendWithDigest(ua, inv, new DigestClient({ username: '1001', password: 'pw-1001' }));
        expect(r.response.status).toBe(200);
        await ok(b);
        await expect.poll(() => byes, { timeout: 5000 }).toBe(1);
        const events = await directEvents(h);
        expect(events.map((e) => e.body.case)).toEqual(['agentRinging', 'answered']);
        expect(new Set(events.map((e) => e.interactionId)).size).toBe(1);
        const [ringing, answered] = events.map((e) => e.body.value) as Array<{
          agentId: string;
          queueId: string;
        }>;
        expect(ringing).toMatchObject({ agentId: 'a-1002', queueId: '', attempt: 1 });
        expect(answered).toMatchObject({ agentId: 'a-1002', queueId: '' });
        // Rung for 300 ms before the answer.
        expect(Number((answered as unknown as { waitMs: bigint }).waitMs)).toBeGreaterThanOrEqual(250);
        expect(await h.query(sql`select 1 from cdrs`)).toEqual([]);
        await noMediaLeft(h);
      } finally {
        rtp.close();
        await ua.close();
      }
    });
  });

  it('a DID straight to an agent (no queue) emits AgentRinging and Answered too', async () => {
    const port = await freePort();
    const spec = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, port)],
      extra: {
        dids: [{ id: 'did-main', number: DID, target: { case: 'agentId', value: 'a-1001' } }],
      } as never,
    };
    await withEdge('directdid', spec, async (h) => {
      const agent = phone(h, port, {
        ringMs: 300,
        actions: [{ audio: true }, { pause: 800 }, { bye: true }],
      });
      await call(h, [{ waitBye: true }]);
      await ok(agent);
      expect(await oneCdr(h)).toMatchObject({
        disposition: 'ANSWERED',
        ended_by: 'AGENT',
        agent_id: 'a-1001',
        queue_id: '',
      });
      expect((await legs(h)).map((l) => [l.role, l.result])).toEqual([
        ['caller', 'answered'],
        ['agent', 'answered'],
      ]);
      const events = await directEvents(h);
      expect(events.map((e) => [e.body.case, (e.body.value as { agentId: string }).agentId])).toEqual([
        ['agentRinging', 'a-1001'],
        ['answered', 'a-1001'],
      ]);
      await noMediaLeft(h);
    });
  });
});
