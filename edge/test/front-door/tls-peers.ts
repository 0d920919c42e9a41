/**
 * Peers of the TLS and SRTP tests: TLS material from the project's CA helpers, baresip configured for
 * TLS (and SRTP), and a raw TLS SIP client that sends one INVITE and returns the final status and
 * reason (what a carrier's TLS stack would see).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createCa, issueServerCert } from '@hcc/shared';
import { type ManagedChild, startChild } from '@hcc/shared/testing';

export interface TestTls {
  caFile: string;
  ca: string;
  /** The edge's certificate and key (127.0.0.1). */
  edge: { cert: string; key: string };
  /** A trunk's certificate (server and client use) for 127.0.0.3, and baresip's one-file PEM of it. */
  trunk: { cert: string; key: string; pemFile: string };
}

export async function makeTestTls(dir: string): Promise<TestTls> {
  const tlsDir = join(dir, 'tls');
  await mkdir(tlsDir, { recursive: true });
  const ca = await createCa(tlsDir, { commonName: 'hcc test CA' });
  const edge = await issueServerCert(ca, tlsDir, { commonName: 'hcc test edge' }, 'edge');
  const trunk = await issueServerCert(
    ca,
    tlsDir,
    { commonName: 'hcc test trunk', hosts: ['127.0.0.3', '127.0.0.4'], clientAuth: true },
    'trunk',
  );
  const read = (f: string) => readFileSync(f, 'utf8');
  const pemFile = join(tlsDir, 'trunk-baresip.pem');
  writeFileSync(pemFile, read(trunk.certFile) + read(trunk.keyFile));
  return {
    caFile: ca.certFile,
    ca: read(ca.certFile),
    edge: { cert: read(edge.certFile), key: read(edge.keyFile) },
    trunk: { cert: read(trunk.certFile), key: read(trunk.keyFile), pemFile },
  };
}

/** Starts baresip in `home` with one account; `commands` run at start (`/dial ...`). */
export function startBaresip(o: {
  home: string;
  name: string;
  listen: string;
  account: string;
  caFile: string;
  certificate?: string;
  srtp?: boolean;
  commands?: string[];
}): ManagedChild {
  // 60 s of a 440 Hz tone at 8 kHz (aufile wants the codec's rate; ausine only makes 48 kHz).
  const tone = join(o.home, 'tone.wav');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', '60', 'sine', '440']);
  writeFileSync(
    join(o.home, 'config'),
    [
      'poll_method epoll',
      'statmode_default off',
      `sip_listen ${o.listen}`,
      `sip_cafile ${o.caFile}`,
      ...(o.certificate ? [`sip_certificate ${o.certificate}`] : []),
      'audio_player aubridge,nil',
      `audio_source aufile,${tone}`,
      'audio_alert aubridge,nil',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module aufile.so',
      ...(o.srtp ? ['module srtp.so'] : []),
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  writeFileSync(join(o.home, 'accounts'), `${o.account}\n`);
  writeFileSync(join(o.home, 'contacts'), '');
  return startChild({
    name: o.name,
    command: 'baresip',
    args: ['-f', o.home, ...(o.commands ?? []).flatMap((c) => ['-e', c])],
    env: { ...process.env, HOME: o.home },
  });
}

/**
 * One INVITE over a TLS connection from `localAddress` (with a client certificate when given); resolves
 * with the final response's status and reason phrase.
 */
export async function tlsInvite(o: {
  port: number;
  localAddress: string;
  ca: string;
  client?: { cert: string; key: string };
  ruri: string;
  sdp: string;
}): Promise<{ status: number; reason: string }> {
  const tcp = netConnect({ host: '127.0.0.1', port: o.port, localAddress: o.localAddress });
  tcp.on('error', () => {});
  await once(tcp, 'connect');
  const s = connect({
    socket: tcp,
    host: '127.0.0.1',
    ca: o.ca,
    ...(o.client ? { cert: o.client.cert, key: o.client.key } : {}),
  });
  s.on('error', () => {});
  await once(s, 'secureConnect');
  const tag = randomBytes(4).toString('hex');
  const local = `${o.localAddress}:${tcp.localPort}`;
  const body = Buffer.from(o.sdp);
  s.write(
    [
      `INVITE ${o.ruri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${tag};rport`,
      'Max-Forwards: 70',
      `From: <sip:+15557654321@${o.localAddress}>;tag=${tag}`,
      `To: <${o.ruri}>`,
      `Call-ID: tls-${tag}@${o.localAddress}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:+15557654321@${local};transport=tls>`,
      'Content-Type: application/sdp',
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n'),
  );
  s.write(body);
  let text = '';
  try {
    for await (const chunk of s) {
      text += String(chunk);
      const m = /^SIP\/2\.0 ([2-6]\d\d) ([^\r\n]*)/m.exec(text);
      if (m) return { status: Number(m[1]), reason: m[2]! };
    }
  } finally {
    s.destroy();
  }
  throw new Error(`connection closed without a final response: ${text.slice(0, 200)}`);
}

/** A minimal audio offer in `profile`, with an SDES key when SRTP. */
export function offerSdp(address: string, port: number, profile: 'RTP/AVP' | 'RTP/SAVP'): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} ${profile} 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    ...(profile === 'RTP/SAVP'
      ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${randomBytes(30).toString('base64')}`]
      : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
}
