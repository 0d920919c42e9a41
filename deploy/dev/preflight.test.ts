import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ManagedChild, startChild } from '@hcc/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ownsListener } from './own-listener.ts';
import { cmdlineOf } from './pidfile.ts';
import { stackPorts } from './ports.ts';
import {
  checkNoRunningStack,
  checkPortsFree,
  type PortNeed,
  PreflightError,
  stackPortNeeds,
} from './preflight.ts';

const listen = (port: number) =>
  new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('dev stack preflight', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-preflight-'));
  const owned: (() => void)[] = [];
  let sleeper: ManagedChild | undefined;
  afterAll(async () => {
    for (const close of owned) close();
    await sleeper?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every port the stack binds, with the variable that moves it', () => {
    const needs = stackPortNeeds(stackPorts({ HQ_SIP_HOST: '127.0.0.2' }), '127.0.0.1');
    const key = (n: PortNeed) => `${n.port}/${n.proto}@${n.host} ${n.env}`;
    expect(needs.map(key)).toEqual(
      expect.arrayContaining([
        '8080/tcp@127.0.0.1 CLOUD_HTTP_PORT',
        '14222/tcp@127.0.0.1 HUB_NATS_PORT',
        '17422/tcp@127.0.0.1 HUB_LEAF_PORT',
        '8081/tcp@127.0.0.1 HQ_HTTP_PORT',
        '5060/udp@127.0.0.2 HQ_SIP_PORT',
        '5060/tcp@127.0.0.2 HQ_SIP_PORT',
        '5061/tcp@127.0.0.2 HQ_SIP_TLS_PORT',
        '5063/tcp@127.0.0.1 HQ_SIP_WS_PORT',
        '14223/tcp@127.0.0.1 HQ_NATS_PORT',
        '22222/udp@127.0.0.1 HQ_RTPENGINE_NG_PORT',
        '22232/udp@127.0.0.1 HQ_DTMF_PORT',
        '5062/udp@127.0.0.1 BRANCH_SIP_PORT',
        '5064/tcp@127.0.0.1 BRANCH_SIP_TLS_PORT',
        '22233/udp@127.0.0.1 BRANCH_DTMF_PORT',
      ]),
    );
    expect(needs).toHaveLength(3 + 2 * 8);
  });

  it('names each taken TCP and UDP port, who holds it and how to move it; free ports pass', async () => {
    const [tcp, udp, free] = [await freePort(), await freePort(), await freePort()];
    const server = await listen(tcp);
    owned.push(() => server.close());
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(udp, '127.0.0.1', () => r()));
    owned.push(() => sock.close());
    const needs: PortNeed[] = [
      { host: '127.0.0.1', port: tcp, proto: 'tcp', what: 'NATS hub', env: 'HUB_NATS_PORT' },
      { host: '127.0.0.1', port: udp, proto: 'udp', what: 'hq DTMF events', env: 'HQ_DTMF_PORT' },
      { host: '127.0.0.1', port: free, proto: 'tcp', what: 'cloud HTTP', env: 'CLOUD_HTTP_PORT' },
    ];
    const err = await checkPortsFree(needs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    const msg = (err as Error).message;
    expect(msg).toContain('2 port(s)');
    expect(msg).toMatch(
      new RegExp(
        `port ${tcp}/tcp on 127\\.0\\.0\\.1 \\(NATS hub\\) is taken by node \\(pid ${process.pid}\\): free it or set HUB_NATS_PORT`,
      ),
    );
    expect(msg).toContain(`port ${udp}/udp on 127.0.0.1 (hq DTMF events) is taken`);
    expect(msg).not.toContain(String(free));
    await expect(checkPortsFree([needs[2]!])).resolves.toBeUndefined();
    // Two settings on one port are named too (both would pass a bind check alone).
    await expect(
      checkPortsFree([needs[2]!, { ...needs[2]!, what: 'hq SIP WebSocket', env: 'HQ_SIP_WS_PORT' }]),
    ).rejects.toThrow(
      `port ${free}/tcp is set for both cloud HTTP (CLOUD_HTTP_PORT) and hq SIP WebSocket (HQ_SIP_WS_PORT): move one`,
    );
    // An address this host does not have is named as such.
    await expect(
      checkPortsFree([{ host: '192.0.2.1', port: free, proto: 'udp', what: 'hq SIP', env: 'HQ_SIP_PORT' }]),
    ).rejects.toThrow(/192\.0\.2\.1 is not an address of this host/);
  });

  it('refuses to start while the stack recorded in the pid file runs, not after it died', async () => {
    sleeper = startChild({ name: 'sleep', command: 'sleep', args: ['60'] });
    const pids = join(dir, 'pids.json');
    const cmd = (cmdlineOf(sleeper.pid) ?? '').slice(0, 40);
    writeFileSync(pids, JSON.stringify([{ name: 'stack', pid: sleeper.pid, cmd }]));
    expect(() => checkNoRunningStack(pids)).toThrow(
      new RegExp(`a demo stack is already running \\(pid ${sleeper.pid}, recorded in ${pids}\\)`),
    );
    // A child of the stack alone (the stack was killed) is a leftover to reap, not a running demo.
    writeFileSync(pids, JSON.stringify([{ name: 'nats-hub', pid: sleeper.pid, cmd }]));
    expect(() => checkNoRunningStack(pids)).not.toThrow();
    await sleeper.stop();
    writeFileSync(pids, JSON.stringify([{ name: 'stack', pid: sleeper.pid, cmd }]));
    expect(() => checkNoRunningStack(pids)).not.toThrow();
  });

  it("tells a process's own listener from another process's", async () => {
    const port = await freePort();
    const server = await listen(port);
    owned.push(() => server.close());
    expect(ownsListener(process.pid, port)).toBe(true);
    const other = startChild({ name: 'sleep', command: 'sleep', args: ['30'] });
    try {
      expect(ownsListener(other.pid, port)).toBe(false);
    } finally {
      await other.stop();
    }
    expect(ownsListener(process.pid, await freePort())).toBe(false);
  });
});
