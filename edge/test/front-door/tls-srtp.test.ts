/**
 * SIP over TLS and SRTP at the running edge's call layer (startCallLayer with EDGE_SIP_TLS_* settings), on
 * real peers: baresip registers to the TLS port as agent 1001; a second baresip is a carrier trunk that
 * requires TLS and SRTP and calls in with RTP/SAVP (SDES); rtpengine answers it with SRTP and bridges it to
 * the agent's plain RTP. SIPp's UDP INVITE from the TLS trunk's address is refused, and so are a
 * connection without the client certificate a trunk requires and a plain RTP offer on an SRTP trunk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { SipTransport, SrtpPolicy, TrunkKind, TrunkSchema } from '@hcc/proto';
import { freePort, type ManagedChild, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { isDict } from '../../src/media/bencode.ts';
import { agentOn, callBundle, queueOf } from '../call/fixtures.ts';
import { writeScenario } from '../call/scenarios.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';
import { makeTestTls, offerSdp, startBaresip, type TestTls, tlsInvite } from './tls-peers.ts';

const SALES_DID = '+15550111';
let edge: EdgeCallLayer;
let tls: TestTls;
let tlsPort: number;
let dir: string;
const phones: ManagedChild[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcc-tls-'));
  tls = await makeTestTls(dir);
  tlsPort = await freePort();
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'tls',
    sipTls: { port: tlsPort, ...tls.edge, ca: tls.ca },
    bundle: () => {
      const b = callBundle({
        agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)],
        queues: [queueOf('sales'), queueOf('support')],
      });
      b.dids.push({
        ...b.dids[0]!,
        id: 'did-sales',
        number: SALES_DID,
        target: { case: 'queueId', value: 'sales' },
      });
      b.trunks.push(
        create(TrunkSchema, {
          id: 'tls-carrier',
          name: 'TLS carrier',
          kind: TrunkKind.CARRIER,
          host: '127.0.0.3',
          transport: SipTransport.TLS,
          // libre (baresip) opens TLS connections from the host's address, not its sip_listen one.
          allowedSourceCidrs: ['127.0.0.1/32'],
          normalization: { countryCode: '1' },
          codecs: ['PCMU'],
          srtp: SrtpPolicy.REQUIRED,
        }),
        create(TrunkSchema, {
          id: 'cert-carrier',
          name: 'Carrier with a client certificate',
          kind: TrunkKind.CARRIER,
          host: '127.0.0.4',
          transport: SipTransport.TLS,
          allowedSourceCidrs: ['127.0.0.4/32'],
          normalization: { countryCode: '1' },
          requireClientCertificate: true,
        }),
      );
      return b;
    },
  });
  await edge.setPassword('1001', 'pw-1001');
}, 60_000);

afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await edge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const tail = (p: ManagedChild | undefined) => p?.tail() ?? '';

describe('SIP over TLS and SRTP', () => {
  it('an SRTP caller over TLS reaches a baresip agent registered over TLS, through rtpengine', async () => {
    const agentHome = mkdtempSync(join(dir, 'agent-'));
    const agent = startBaresip({
      home: agentHome,
      name: 'baresip-agent',
      listen: `127.0.0.1:${await freePort()}`,
      caFile: tls.caFile,
      account: `<sip:1001@127.0.0.1:${tlsPort};transport=tls>;auth_pass=pw-1001;answermode=auto;regint=60`,
    });
    phones.push(agent);
    await waitFor(
      'baresip registered over TLS',
      async () => (await edge.layer.bindings.contactsOf('1001')).some((b) => b.source.protocol === 'TLS'),
      15_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${tail(agent)}`);
    });

    const callerHome = mkdtempSync(join(dir, 'caller-'));
    const caller = startBaresip({
      home: callerHome,
      name: 'baresip-carrier',
      listen: `127.0.0.3:${await freePort('127.0.0.3')}`,
      caFile: tls.caFile,
      certificate: tls.trunk.pemFile,
      srtp: true,
      account: '<sip:carrier@127.0.0.3>;regint=0;mediaenc=srtp-mandf',
      commands: [`/dial sip:${SALES_DID}@127.0.0.1:${tlsPort};transport=tls`],
    });
    phones.push(caller);
    await waitFor('the agent answers', () => /Call established/.test(tail(agent)), 20_000).catch(
      (err: unknown) => {
        throw new Error(`${String(err)}\ncaller:\n${tail(caller).slice(-3000)}\nagent:\n${tail(agent)}`);
      },
    );
    // rtpengine holds one call: the caller's leg speaks SDES-SRTP, the agent's plain RTP, and media flows.
    const [callId] = await edge.rtp.client.list();
    expect(callId).toBeDefined();
    await new Promise((r) => setTimeout(r, 2000));
    const q = await edge.rtp.client.query({ callId: callId! });
    const leg = (label: string) => {
      const t = Object.values(isDict(q.raw['tags']) ? q.raw['tags'] : {})
        .filter(isDict)
        .find((x) => String(x['label']) === label);
      const m = (Array.isArray(t?.['medias']) ? t['medias'] : []).filter(isDict)[0];
      const rtp = (Array.isArray(m?.['streams']) ? m['streams'] : []).filter(isDict)[0];
      const stats = isDict(rtp?.['stats']) ? rtp['stats'] : {};
      return {
        protocol: String(m?.['protocol']),
        crypto: rtp?.['crypto suite'] === undefined ? undefined : String(rtp['crypto suite']),
        packets: Number(stats['packets'] ?? 0),
        errors: Number(stats['errors'] ?? 0),
      };
    };
    // baresip's srtp-mandf offers RTP/SAVPF; rtpengine answers in kind with an SDES key and decrypts.
    const callerLeg = leg('caller');
    expect(callerLeg).toMatchObject({ protocol: 'RTP/SAVPF', crypto: 'AES_CM_128_HMAC_SHA1_80', errors: 0 });
    expect(callerLeg.packets).toBeGreaterThan(50);
    const agentLeg = leg('agent');
    expect(agentLeg).toMatchObject({ protocol: 'RTP/AVP', crypto: undefined, errors: 0 });
    expect(agentLeg.packets).toBeGreaterThan(50);
    expect(tail(caller)).toMatch(/SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    expect(tail(caller)).not.toMatch(/failed to decrypt/);
    await caller.stop();
    await expect
      .poll(
        async () =>
          (await edge.query<{ result: string }>(sql`select result from cdr_legs where role = 'agent'`)).map(
            (r) => r.result,
          ),
        { timeout: 10_000 },
      )
      .toEqual(['answered']);
  }, 60_000);

  it("refuses a UDP INVITE from a TLS trunk's address (SIPp)", async () => {
    const scenario = await writeScenario(
      edge.dir,
      'udp-to-tls-trunk',
      `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="udp INVITE from a TLS trunk">
  <send retrans="500"><![CDATA[
INVITE sip:${SALES_DID}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+15557654321@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:${SALES_DID}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+15557654321@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="403">
    <action><ereg regexp="^SIP/2.0 403 TLS Required" search_in="msg" check_it="true" assign_to="dummy"/></action>
  </recv>
  <send><![CDATA[
ACK sip:${SALES_DID}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+15557654321@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:${SALES_DID}@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <Reference variables="dummy"/>
</scenario>
`,
    );
    const r = await edge.sipp(scenario, [], { ip: '127.0.0.1', timeoutS: 15 });
    expect(r.code, r.output).toBe(0);
  }, 30_000);

  it('refuses a trunk TLS connection without the client certificate the trunk requires', async () => {
    const ruri = `sip:+15559999999@127.0.0.1:${tlsPort};transport=tls`;
    const sdp = offerSdp('127.0.0.4', 40000, 'RTP/AVP');
    expect(await tlsInvite({ port: tlsPort, localAddress: '127.0.0.4', ca: tls.ca, ruri, sdp })).toEqual({
      status: 403,
      reason: 'Client Certificate Required',
    });
    // With the certificate the trunk's INVITE passes the TLS check (and meets the DID lookup: 404).
    const withCert = await tlsInvite({
      port: tlsPort,
      localAddress: '127.0.0.4',
      ca: tls.ca,
      client: tls.trunk,
      ruri,
      sdp,
    });
    expect(withCert.status).toBe(404);
  }, 30_000);

  it('refuses a plain RTP offer from a trunk that requires SRTP (488)', async () => {
    const r = await tlsInvite({
      port: tlsPort,
      localAddress: '127.0.0.1',
      ca: tls.ca,
      ruri: `sip:${SALES_DID}@127.0.0.1:${tlsPort};transport=tls`,
      sdp: offerSdp('127.0.0.1', 40000, 'RTP/AVP'),
    });
    expect(r).toEqual({ status: 488, reason: 'SRTP Required' });
  }, 30_000);
});
