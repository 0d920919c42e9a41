import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { sipRealm } from '../../src/secrets/index.ts';
import {
  type Dialog,
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
import { agentOn, CALLER, callBundle, DID } from './fixtures.ts';
import { startHarness } from './harness.ts';
import { agentScenario, callerScenario, writeScenario } from './scenarios.ts';

const pcma = (sdp: string) =>
  sdp.replace('RTP/AVP 0 101', 'RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');

describe('attended transfer', () => {
  it('A consults B through the edge, then REFERs the customer to B with Replaces', async () => {
    const [pA, pB] = [await freePort(), await freePort()];
    const a1001 = agentOn('a-1001', '1001', { sales: 5 }, pA);
    a1001.devices = [
      ...(a1001.devices ?? []),
      { id: 'phone', kind: { case: 'sip', value: { authUsername: '1001', passwordHashRef: 'sip-1001' } } },
    ];
    const h = await startHarness({
      pgUrl: inject('pgUrl'),
      name: 'attended',
      bundle: () => callBundle({ agents: [a1001, agentOn('a-1002', '1002', { support: 5 }, pB)] }),
    });
    const ua = new SipStack({ transports: [new UdpTransport({ host: '127.0.0.1', port: pA })] });
    const rtpA = await RtpEndpoint.open(0xa1);
    const rtpA2 = await RtpEndpoint.open(0xa2);
    try {
      h.agents.login('a-1001');
      h.agents.login('a-1002');
      await h.secrets.setDevicePassword('sip-1001', '1001', sipRealm('hq'), 'pw-1001');
      let d1!: Dialog;
      const answered = new Promise<void>((resolve) => {
        ua.use('INVITE', (req) => {
          const d = req.reply(200, { body: pcma(rtpA.sdp()), contentType: 'application/sdp' });
          if (!req.message.toTag && d) {
            d1 = d;
            resolve();
          }
        });
      });
      const notifies: string[] = [];
      let byes = 0;
      ua.use('ACK', () => {});
      ua.use('NOTIFY', (req) => {
        notifies.push(req.message.body.toString());
        req.reply(200);
      });
      ua.use('BYE', (req) => {
        byes++;
        req.reply(200);
      });
      await ua.start();

      const b = h.sippBg(
        await writeScenario(
          h.dir,
          'b',
          agentScenario({
            ringMs: 200,
            actions: [{ acceptReinvite: true }, { audio: true }, { pause: 1200 }, { bye: true }],
          }),
        ),
        ['-p', String(pB)],
      );
      const caller = h.sipp(
        await writeScenario(
          h.dir,
          'caller',
          callerScenario({
            did: DID,
            number: CALLER,
            actions: [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }],
          }),
        ),
        [],
      );
      await answered;
      await new Promise((r) => setTimeout(r, 500));
      // Hold the customer.
      const hold = await d1.request('INVITE', {
        body: pcma(rtpA.sdp()).replace('a=sendrecv', 'a=sendonly'),
        contentType: 'application/sdp',
      });
      expect(hold.status).toBe(200);
      // Consult B through the edge (407 digest).
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
        Buffer.from(pcma(rtpA2.sdp())),
      );
      const consult = await sendWithDigest(
        ua,
        inv,
        new DigestClient({ username: '1001', password: 'pw-1001' }),
      );
      expect(consult.response.status).toBe(200);
      const dc = consult.request.dialog!;
      await new Promise((r) => setTimeout(r, 300));
      // Hand the customer over.
      const replaces = encodeURIComponent(
        `${dc.id.callId};to-tag=${dc.id.remoteTag};from-tag=${dc.id.localTag}`,
      );
      const refer = await d1.request('REFER', {
        headers: [
          ['Refer-To', `<sip:1002@127.0.0.1?Replaces=${replaces}>`],
          ['Referred-By', '<sip:1001@127.0.0.1>'],
        ],
      });
      expect(refer.status).toBe(202);

      const c = await caller;
      expect(c.code, c.output).toBe(0);
      const rb = await b.done;
      expect(rb.code, rb.output).toBe(0);
      expect(notifies.join()).toContain('SIP/2.0 200 OK');
      expect(byes).toBe(2); // the customer's dialog and the consultation
      await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length).toBe(1);
      const [cdr] = await h.query<Record<string, unknown>>(sql`select * from cdrs`);
      expect(cdr).toMatchObject({
        disposition: 'ANSWERED',
        ended_by: 'AGENT',
        agent_id: 'a-1002',
        transfer_count: 1,
      });
      expect(h.events.find((e) => e.name === 'transferred')?.payload).toMatchObject({
        kind: 2,
        target: { case: 'agentId', value: 'a-1002' },
      });
      expect(await h.rtp.client.list()).toEqual([]);
    } finally {
      rtpA.close();
      rtpA2.close();
      await ua.close();
      await h.close();
    }
  });
});
