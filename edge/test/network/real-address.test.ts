/**
 * The edge as a site runs it (`hcc-edge run` and `hcc-edge rtpengine` from one environment, PGlite,
 * its own nats-server), on a non-loopback address inside a network namespace, behind a NAT whose
 * public side is EDGE_PUBLIC_ADDRESS. A SIPp caller in another namespace reaches it over a veth
 * link: the 200 OK carries the public address in SDP c= and Contact. The agent desktop is HTTPS/WSS
 * on that address (verified against its certificate), so is SIP over TLS (EDGE_SIP_TLS_*), and
 * without a certificate the edge refuses to start there.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleSigningBytes, encodeBundle } from '@hcc/proto';
import { generateSigningKeyPair, openDatabase, signBytes, signingKeyId, silentLogger } from '@hcc/shared';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/config/store.ts';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { callBundle, DID } from '../call/fixtures.ts';
import { makePrompts } from '../call/harness.ts';
import { createNetnsPair, type NetnsPair } from './netns.ts';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const run = promisify(execFile);
/** The NAT's public side (TEST-NET-3, RFC 5737). */
const PUBLIC = '203.0.113.20';

type Outcome = { code: number; stdout: string; stderr: string };
const outcome = (p: Promise<{ stdout: string; stderr: string }>): Promise<Outcome> =>
  p.then(
    (r) => ({ code: 0, ...r }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );

describe('an edge on a non-loopback address behind NAT (network namespaces)', () => {
  let net: NetnsPair;
  const dir = mkdtempSync(join(tmpdir(), 'hcc-edge-net-'));
  const children: ManagedChild[] = [];
  let env: Record<string, string>;
  const certFile = join(dir, 'cert.pem');

  /** Runs a command in the outside namespace (the caller's or the browser's side of the link). */
  const outside = (command: string, args: string[], timeout = 60_000) => {
    const [cmd, argv] = net.exec(net.outside.ns, command, args);
    return outcome(run(cmd, argv, { cwd: dir, timeout }));
  };
  const curl = async (url: string) =>
    (
      await outside('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-m',
        '5',
        '--cacert',
        certFile,
        url,
      ])
    ).stdout;

  /** `hcc-edge <command>` in the site namespace with the site's environment. */
  const inSite = (name: string, command: string, e: Record<string, string>): ManagedChild => {
    const [cmd, argv] = net.exec(net.site.ns, process.execPath, ['--import', 'tsx', CLI, command]);
    const child = startChild({ name, command: cmd, args: argv, env: e });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    net = await createNetnsPair();
    const site = net.site.address;
    // The desktop's certificate, for the site's address (the test trusts it as its own CA).
    await run('openssl', [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
      ],
      ...['-subj', '/CN=edge-hq', '-addext', `subjectAltName=IP:${site}`],
      ...['-keyout', join(dir, 'key.pem'), '-out', certFile],
    ]);
    // A signed config the edge boots from (its local store: no hub here): the carrier trunk is the
    // outside namespace's address.
    const keys = generateSigningKeyPair();
    writeFileSync(join(dir, 'signing.pem'), keys.publicKeyPem);
    const bundle = callBundle({ agents: [] });
    bundle.trunks[0]!.allowedSourceCidrs = [`${net.outside.address}/32`];
    bundle.signingKeyId = signingKeyId(keys.publicKeyPem);
    bundle.signature = signBytes(keys.privateKeyPem, bundleSigningBytes(bundle));
    const dataDir = join(dir, 'data');
    const db = await openDatabase({ dataDir: join(dataDir, 'pglite') });
    await db.migrate(EDGE_MIGRATIONS);
    const store = new ConfigStore(
      db.db,
      { site: 'hq', publicKeys: new Map([[bundle.signingKeyId, keys.publicKeyPem]]) },
      silentLogger,
    );
    expect(await store.offer(encodeBundle(bundle))).toBe(true);
    await db.close();
    await makePrompts(join(dir, 'prompts'));

    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_')));
    const nats = await freePort();
    const base = 40000 + Math.floor(Math.random() * 50) * 100;
    // One environment for both programs, as /etc/hcc/edge.env is for the installed units.
    env = {
      ...(clean as Record<string, string>),
      EDGE_SITE: 'hq',
      EDGE_SIP_HOST: site,
      EDGE_SIP_PORT: String(await freePort()),
      EDGE_HTTP_HOST: site,
      EDGE_HTTP_PORT: String(await freePort()),
      EDGE_SIP_WS_PORT: String(await freePort()),
      EDGE_TLS_CERT: certFile,
      EDGE_TLS_KEY: join(dir, 'key.pem'),
      // SIP over TLS for trunks and phones, with the same certificate.
      EDGE_SIP_TLS_PORT: String(await freePort()),
      EDGE_SIP_TLS_CERT: certFile,
      EDGE_SIP_TLS_KEY: join(dir, 'key.pem'),
      EDGE_PUBLIC_ADDRESS: PUBLIC,
      EDGE_NATS_URL: `nats://127.0.0.1:${nats}`,
      EDGE_RTPENGINE_NG: `127.0.0.1:${await freePort()}`,
      EDGE_DTMF_PORT: String(await freePort()),
      EDGE_MEDIA_PORT_MIN: String(base),
      EDGE_MEDIA_PORT_MAX: String(base + 99),
      EDGE_DATA_DIR: dataDir,
      EDGE_CONFIG_PUBLIC_KEY_FILE: join(dir, 'signing.pem'),
      EDGE_PROMPTS_DIR: join(dir, 'prompts'),
    };
    const [natsCmd, natsArgs] = net.exec(net.site.ns, 'nats-server', [
      ...['-js', '-a', '127.0.0.1', '-p', String(nats), '-sd', join(dir, 'nats')],
    ]);
    children.push(startChild({ name: 'nats', command: natsCmd, args: natsArgs }));
    inSite('rtpengine', 'rtpengine', env);
    const edge = inSite('edge', 'run', env);
    await waitFor(
      'the edge ready on its site address',
      async () => {
        if (edge.process.exitCode !== null) throw new Error(edge.tail());
        return (await curl(`https://${site}:${env.EDGE_HTTP_PORT}/readyz`)) === '200';
      },
      90_000,
      500,
    );
  }, 150_000);

  afterAll(async () => {
    for (const c of children.reverse()) await c.stop(5000);
    await net?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a caller from outside with the public address in SDP c= and Contact', async () => {
    const messages = join(dir, 'sipp-messages.log');
    const r = await outside('sipp', [
      ...['-sn', 'uac', '-d', '1000', '-s', DID, '-m', '1', '-i', net.outside.address],
      ...['-p', String(await freePort()), '-mp', String(await freePort()), '-nostdin'],
      ...['-timeout', '30s', '-timeout_error', '-trace_msg', '-message_file', messages],
      `${net.site.address}:${env.EDGE_SIP_PORT}`,
    ]);
    const trace = readFileSync(messages, 'utf8');
    expect(r.code, `${r.stdout}${r.stderr}\n${trace.slice(-3000)}`).toBe(0);
    const ok = trace.slice(trace.indexOf('SIP/2.0 200 OK'));
    const esc = PUBLIC.replaceAll('.', '\\.');
    expect(ok).toMatch(new RegExp(`^c=IN IP4 ${esc}\\s*$`, 'm'));
    expect(ok).toMatch(new RegExp(`^Contact: <sip:${esc}:${env.EDGE_SIP_PORT}>`, 'm'));
    expect(ok).not.toContain(`IN IP4 ${net.site.address}`);
  }, 90_000);

  it('serves the desktop over HTTPS and its SIP WebSocket over TLS on that address', async () => {
    const site = net.site.address;
    expect(await curl(`https://${site}:${env.EDGE_HTTP_PORT}/desktop/`)).toBe('200');
    // The WebSocket listener completes a TLS handshake with the same certificate and speaks SIP over WSS.
    const ws = await outside('curl', [
      ...['-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', certFile, '--http1.1'],
      ...['-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Sec-WebSocket-Version: 13'],
      ...['-H', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '-H', 'Sec-WebSocket-Protocol: sip'],
      `https://${site}:${env.EDGE_SIP_WS_PORT}/`,
    ]);
    expect(ws.stdout).toBe('101');
    // Nothing in clear text.
    expect(await curl(`http://${site}:${env.EDGE_HTTP_PORT}/readyz`)).not.toBe('200');
  });

  it('takes SIP over TLS on EDGE_SIP_TLS_PORT (verified against its certificate)', async () => {
    const site = net.site.address;
    const options = [
      `OPTIONS sip:${site}:${env.EDGE_SIP_TLS_PORT};transport=tls SIP/2.0`,
      `Via: SIP/2.0/TLS ${net.outside.address}:5061;branch=z9hG4bK-tls-options;rport`,
      'Max-Forwards: 70',
      `From: <sip:probe@${net.outside.address}>;tag=probe`,
      `To: <sip:${site}>`,
      'Call-ID: tls-options-probe',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    // openssl keeps the connection open after stdin ends (-quiet implies -ign_eof): timeout closes it.
    const r = await outside('sh', [
      '-c',
      `printf '%s' "$1" | timeout 5 openssl s_client -quiet -verify_return_error -CAfile "$2" -connect "$3"`,
      'sh',
      options,
      certFile,
      `${site}:${env.EDGE_SIP_TLS_PORT}`,
    ]);
    expect(r.stdout, r.stderr).toMatch(/^SIP\/2\.0 200 OK\r?$/m);
    expect(r.stdout).toMatch(/^Via: SIP\/2\.0\/TLS .*branch=z9hG4bK-tls-options/m);
  }, 30_000);

  it('refuses to start there in clear text, naming EDGE_TLS_CERT/EDGE_TLS_KEY', async () => {
    const { EDGE_TLS_CERT: _c, EDGE_TLS_KEY: _k, ...plain } = env;
    const refused = inSite('edge-plain', 'run', { ...plain, EDGE_HTTP_PORT: String(await freePort()) });
    const { code } = await refused.exited;
    expect(code).toBe(1);
    expect(refused.tail()).toContain(`EDGE_HTTP_HOST=${net.site.address} is not a loopback address`);
    expect(refused.tail()).toContain('EDGE_TLS_CERT and EDGE_TLS_KEY');
  }, 40_000);
});
