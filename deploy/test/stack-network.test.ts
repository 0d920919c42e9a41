import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeStackPorts } from './stack-ports.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const run = promisify(execFile);
/** hq's SIP and media on a second loopback address; a NAT's public side from TEST-NET-3 (RFC 5737). */
const SIP_HOST = '127.0.0.2';
const PUBLIC = '203.0.113.10';

/** A call to the IVR that fails unless the 200 OK's SDP and Contact carry the public address. */
const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="public address">
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+15557770001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+15557770001@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv

]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="200" rrs="true">
  <action>
    <ereg regexp="c=IN IP4 ${PUBLIC.replaceAll('.', '\\.')}" search_in="body" check_it="true" assign_to="c"/>
    <ereg regexp="@?${PUBLIC.replaceAll('.', '\\.')}:[0-9]+" search_in="hdr" header="Contact:" check_it="true" assign_to="ct"/>
    <log message="sdp [$c] contact [$ct]"/>
  </action>
</recv>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:+15557770001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
<pause milliseconds="1000"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:+15557770001@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
`;

/** Resolves with what a SIP OPTIONS over UDP to host:port meets: an answer, ECONNREFUSED, or silence. */
function probeUdp(host: string, port: number): Promise<string> {
  return new Promise((done) => {
    const s = createSocket('udp4');
    const finish = (r: string) => {
      clearTimeout(t);
      s.close();
      done(r);
    };
    const t = setTimeout(() => finish('silence'), 3000);
    s.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'error'));
    s.on('message', (m) => finish(m.toString('utf8').startsWith('SIP/2.0 200') ? 'answer' : 'other'));
    s.bind(0, '127.0.0.1', () =>
      s.connect(port, host, () => {
        const id = Math.random().toString(36).slice(2);
        const lines = [
          `OPTIONS sip:probe@${host}:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${s.address().port};branch=z9hG4bK${id};rport`,
          `From: <sip:probe@127.0.0.1>;tag=${id}`,
          `To: <sip:probe@${host}>`,
          `Call-ID: ${id}@probe`,
          'CSeq: 1 OPTIONS',
          'Max-Forwards: 70',
          'Content-Length: 0',
        ];
        s.send(`${lines.join('\r\n')}\r\n\r\n`);
      }),
    );
  });
}

function startStack(env: Record<string, string>, state: string, name = 'stack'): ManagedChild {
  return startChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'deploy/dev/stack.ts', '--demo'],
    cwd: ROOT,
    env: { ...process.env, ...env, HCC_DEV_DIR: state },
  });
}

// The demo stack with hq's SIP and media on another address than loopback's 127.0.0.1 and a public
// address for NAT (EDGE_PUBLIC_ADDRESS): a SIPp call gets the public address in its SDP and Contact.
// Then a second `npm run demo` while it runs: it must fail, naming the running demo or the taken port.
describe('dev stack on a real address, and a second start', () => {
  const state = mkdtempSync(join(tmpdir(), 'hcc-stack-net-'));
  const other = mkdtempSync(join(tmpdir(), 'hcc-stack-net2-'));
  const env: Record<string, string> = {};
  let stack: ManagedChild | undefined;

  beforeAll(async () => {
    Object.assign(env, await freeStackPorts());
    // Media ports below the kernel's ephemeral range and apart from stack.test.ts's (30000-32399).
    const base = 32400 + Math.floor(Math.random() * 60) * 40;
    Object.assign(env, {
      HQ_MEDIA_PORT_MIN: String(base),
      HQ_MEDIA_PORT_MAX: String(base + 19),
      BRANCH_MEDIA_PORT_MIN: String(base + 20),
      BRANCH_MEDIA_PORT_MAX: String(base + 39),
      HQ_SIP_HOST: SIP_HOST,
      HQ_PUBLIC_ADDRESS: PUBLIC,
    });
    stack = startStack(env, state);
    await waitFor(
      'the stack to report ready',
      () => {
        if (stack!.process.exitCode !== null) throw new Error(stack!.tail());
        return stack!.tail().includes('ready in');
      },
      120_000,
      200,
    );
    // The demo config reaches hq (the IVR answers only with a config).
    await waitFor(
      'demo config applied on hq',
      async () => {
        const s = (await (await fetch(`http://127.0.0.1:${env.HQ_HTTP_PORT}/api/status`)).json()) as {
          config_version: string;
        };
        return s.config_version !== '0';
      },
      30_000,
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop(30_000);
    rmSync(state, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });

  it("answers on hq's own address only, with the public address in SDP c= and Contact", async () => {
    expect(stack!.tail()).toContain(
      `SIP ${SIP_HOST}:${env.HQ_SIP_PORT} (UDP+TCP), ${env.HQ_SIP_TLS_PORT} (TLS), public address ${PUBLIC}`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'hcc-sipp-net-'));
    try {
      const scenario = join(dir, 'public.xml');
      writeFileSync(scenario, SCENARIO);
      const messages = join(dir, 'messages.log');
      const args = [
        ...['-sf', scenario, '-s', '+15550100', '-m', '1', '-i', '127.0.0.1', '-p', String(await freePort())],
        ...['-mp', String(await freePort()), '-timeout', '30s', '-timeout_error', '-nostdin'],
        ...['-trace_msg', '-message_file', messages, `${SIP_HOST}:${env.HQ_SIP_PORT}`],
      ];
      const res = await run('sipp', args, { cwd: dir, timeout: 60_000 }).then(
        () => ({ code: 0, out: '' }),
        (err: { code?: number; stdout?: string; stderr?: string }) => ({
          code: err.code ?? -1,
          out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
        }),
      );
      const trace = existsSync(messages) ? readFileSync(messages, 'utf8') : '';
      expect(res.code, `${res.out}\n${trace.slice(-3000)}`).toBe(0);
      const ok = trace.slice(trace.indexOf('SIP/2.0 200 OK'));
      expect(ok).toMatch(new RegExp(`^c=IN IP4 ${PUBLIC.replaceAll('.', '\\.')}\\s*$`, 'm'));
      expect(ok).toMatch(
        new RegExp(`^Contact: <sip:${PUBLIC.replaceAll('.', '\\.')}:${env.HQ_SIP_PORT}>`, 'm'),
      );
      expect(ok).not.toContain(`c=IN IP4 ${SIP_HOST}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // hq's SIP socket is bound to 127.0.0.2 alone: nothing answers on 127.0.0.1 at that port.
    expect(await probeUdp('127.0.0.1', Number(env.HQ_SIP_PORT))).toBe('ECONNREFUSED');
    expect(await probeUdp(SIP_HOST, Number(env.HQ_SIP_PORT))).toBe('answer');
  }, 90_000);

  it('a second start from the same state dir fails at once, naming the running demo', async () => {
    const pids = JSON.parse(readFileSync(join(state, 'pids.json'), 'utf8')) as {
      name: string;
      pid: number;
    }[];
    const first = pids.find((e) => e.name === 'stack');
    expect(first?.pid).toBe(stack!.pid);
    const second = startStack(env, state, 'stack-2');
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.tail()).toContain(`a demo stack is already running (pid ${stack!.pid}`);
    expect(second.tail()).not.toContain('demo stack is up');
    // The running demo is untouched: its pid file and its services.
    expect(JSON.parse(readFileSync(join(state, 'pids.json'), 'utf8'))).toEqual(pids);
    expect((await fetch(`http://127.0.0.1:${env.HQ_HTTP_PORT}/readyz`)).status).toBe(200);
    // `npm run demo` says so before it reinstalls anything.
    const npm = startChild({
      name: 'npm-run-demo',
      command: process.execPath,
      args: ['deploy/bootstrap.mjs', 'demo'],
      cwd: ROOT,
      env: { ...process.env, ...env, HCC_DEV_DIR: state },
    });
    expect((await npm.exited).code).toBe(1);
    expect(npm.tail()).toContain(`a demo stack is already running (pid ${stack!.pid}`);
    expect(npm.tail()).not.toContain('installing');
  }, 60_000);

  it('a second start from another state dir fails, naming each taken port', async () => {
    const second = startStack(env, other, 'stack-3');
    const { code } = await second.exited;
    expect(code).toBe(1);
    const out = second.tail();
    expect(out).not.toContain('demo stack is up');
    expect(out).toMatch(
      new RegExp(`port ${env.HUB_NATS_PORT}/tcp on 127\\.0\\.0\\.1 \\(NATS hub\\) is taken`),
    );
    expect(out).toContain(`port ${env.CLOUD_HTTP_PORT}/tcp`);
    expect(out).toContain(`port ${env.HQ_SIP_PORT}/udp on ${SIP_HOST} (hq SIP)`);
    expect(out).toContain(`port ${env.BRANCH_RTPENGINE_NG_PORT}/udp on 127.0.0.1 (branch rtpengine ng)`);
    expect(out).toContain('HUB_NATS_PORT');
    // It started nothing: no pid file, no logs of children.
    expect(existsSync(join(other, 'pids.json'))).toBe(false);
    expect((await fetch(`http://127.0.0.1:${env.CLOUD_HTTP_PORT}/readyz`)).status).toBe(200);
  }, 60_000);
});

// A child of the stack that exits during the start (here hq's rtpengine, given a public address that
// is not an IP address) fails the start at once: exit 1, the child named with its output, nothing left.
describe('dev stack whose child exits during the start', () => {
  const state = mkdtempSync(join(tmpdir(), 'hcc-stack-bad-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('exits non-zero naming the child and its error, and stops the others', async () => {
    const env: Record<string, string> = {};
    Object.assign(env, await freeStackPorts());
    const base = 35000 + Math.floor(Math.random() * 60) * 40;
    Object.assign(env, {
      HQ_MEDIA_PORT_MIN: String(base),
      HQ_MEDIA_PORT_MAX: String(base + 19),
      BRANCH_MEDIA_PORT_MIN: String(base + 20),
      BRANCH_MEDIA_PORT_MAX: String(base + 39),
      HQ_PUBLIC_ADDRESS: 'nat.example',
    });
    const started = Date.now();
    const stack = startStack(env, state, 'stack-bad');
    const { code } = await stack.exited;
    const out = stack.tail();
    expect(code, out).toBe(1);
    expect(out).toMatch(
      /rtpengine-hq exited \(\d+\) during the start:\n.*DNS lookup for 'nat\.example' failed/,
    );
    expect(out).not.toContain('demo stack is up');
    expect(out).toContain('stopped everything it started');
    // At once, not after a readiness wait's timeout.
    expect(Date.now() - started).toBeLessThan(14_000);
    expect(existsSync(join(state, 'pids.json'))).toBe(false);
  }, 90_000);
});
