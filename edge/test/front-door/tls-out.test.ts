/**
 * Calls out over TLS with SRTP: the site's carrier trunk is a baresip listening on TLS (its certificate
 * from the test CA, which the edge verifies) that requires SRTP. Agent 1001's baresip, itself offering
 * SRTP (srtp-mandf) and registered over TLS, dials an outside number over TLS: the edge connects to the trunk over TLS
 * (`;transport=tls`, trunkHop) and offers RTP/SAVP with SDES; both legs are encrypted in rtpengine.
 * (The trunk runs baresip's srtp-mand: with srtp-mandf it takes RTP/SAVPF offers only.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { SipTransport, SrtpPolicy, TrunkKind, TrunkSchema } from '@hcc/proto';
import { freePort, type ManagedChild, waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isDict } from '../../src/media/bencode.ts';
import { agentOn, callBundle } from '../call/fixtures.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';
import { makeTestTls, startBaresip, type TestTls } from './tls-peers.ts';

let edge: EdgeCallLayer;
let tls: TestTls;
let dir: string;
let trunkPort: number;
let tlsPort: number;
const phones: ManagedChild[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcc-tls-out-'));
  tls = await makeTestTls(dir);
  // baresip listens for TLS one port above its sip_listen port.
  trunkPort = await freePort('127.0.0.3');
  tlsPort = await freePort();
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'tlsout',
    sipTls: { port: tlsPort, ...tls.edge, ca: tls.ca },
    bundle: () => {
      const b = callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] });
      b.trunks = [
        create(TrunkSchema, {
          id: 'tls-carrier',
          name: 'TLS carrier',
          kind: TrunkKind.CARRIER,
          host: '127.0.0.3',
          port: trunkPort + 1,
          transport: SipTransport.TLS,
          allowedSourceCidrs: ['127.0.0.3/32'],
          normalization: { countryCode: '1' },
          codecs: ['PCMU'],
          srtp: SrtpPolicy.REQUIRED,
        }),
      ];
      return b;
    },
  });
  await edge.setPassword('1001', 'pw-1001');
}, 60_000);

afterAll(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await edge?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('calls out over TLS with SRTP', () => {
  it("an agent's SRTP phone calls an outside number through a TLS trunk that requires SRTP", async () => {
    const trunk = startBaresip({
      home: mkdtempSync(join(dir, 'trunk-')),
      name: 'baresip-trunk',
      listen: `127.0.0.3:${trunkPort}`,
      caFile: tls.caFile,
      certificate: tls.trunk.pemFile,
      srtp: true,
      // baresip takes a call for one of its accounts: the dialled number is its user.
      account: '<sip:+15557654321@127.0.0.3>;regint=0;mediaenc=srtp-mand;answermode=auto',
    });
    phones.push(trunk);
    const agentSip = await freePort();
    const agent = startBaresip({
      home: mkdtempSync(join(dir, 'agent-')),
      name: 'baresip-agent',
      listen: `127.0.0.1:${agentSip}`,
      caFile: tls.caFile,
      srtp: true,
      // Registers and calls over TLS too.
      account: `<sip:1001@127.0.0.1:${tlsPort};transport=tls>;auth_pass=pw-1001;regint=60;mediaenc=srtp-mandf`,
      commands: [`/dial sip:+15557654321@127.0.0.1:${tlsPort};transport=tls`],
    });
    phones.push(agent);
    await waitFor('the trunk answers', () => /Call established/.test(trunk.tail()), 20_000).catch(
      (err: unknown) => {
        throw new Error(`${String(err)}\nagent:\n${agent.tail()}\ntrunk:\n${trunk.tail()}`);
      },
    );
    // The trunk got the call over TLS from the edge, with an SDES key it accepted.
    expect(trunk.tail()).toMatch(/SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
    expect(agent.tail()).toMatch(/SRTP is Enabled/);
    const [callId] = await edge.rtp.client.list();
    const legs = async () => {
      const q = await edge.rtp.client.query({ callId: callId! });
      return Object.values(isDict(q.raw['tags']) ? q.raw['tags'] : {})
        .filter(isDict)
        .map((t) => {
          const m = (Array.isArray(t['medias']) ? t['medias'] : []).filter(isDict)[0];
          const rtp = (Array.isArray(m?.['streams']) ? m['streams'] : []).filter(isDict)[0];
          const stats = isDict(rtp?.['stats']) ? rtp['stats'] : {};
          return {
            label: String(t['label']),
            protocol: String(m?.['protocol']),
            crypto: String(rtp?.['crypto suite']),
            packets: Number(stats['packets'] ?? 0),
            errors: Number(stats['errors'] ?? 0),
          };
        })
        .sort((x, y) => x.label.localeCompare(y.label));
    };
    const before = await legs();
    await new Promise((r) => setTimeout(r, 2000));
    const after = await legs();
    expect(after.map(({ label, protocol, crypto }) => ({ label, protocol, crypto }))).toEqual([
      { label: 'callee', protocol: 'RTP/SAVP', crypto: 'AES_CM_128_HMAC_SHA1_80' },
      { label: 'caller', protocol: 'RTP/SAVPF', crypto: 'AES_CM_128_HMAC_SHA1_80' },
    ]);
    // Both legs keep sending (50 packets/s) and every packet since decrypts: a few packets the trunk sent
    // before its 200 OK reached rtpengine (with the key) may count as errors, no later one.
    after.forEach((l, i) => {
      expect(l.packets - before[i]!.packets).toBeGreaterThan(50);
      expect(l.errors).toBe(before[i]!.errors);
    });
  }, 60_000);
});
