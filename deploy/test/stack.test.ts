import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freeStackPorts } from './stack-ports.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The dev stack as `npm run demo` starts it (on private ports and a private state dir): every
// service becomes ready, the demo config travels cloud -> NATS -> both edges, and SIGTERM leaves
// no process of the stack behind.
describe('dev stack', () => {
  const state = mkdtempSync(join(tmpdir(), 'hcc-stack-'));
  let stack: ManagedChild | undefined;
  afterAll(async () => {
    await stack?.stop(20_000);
    rmSync(state, { recursive: true, force: true });
  });

  it('starts everything, applies the demo config on both edges, and stops everything', async () => {
    const env: Record<string, string> = { HCC_DEV_DIR: state };
    Object.assign(env, await freeStackPorts());
    // Media ports below the kernel's ephemeral range and apart from the rtpengine fixture's (20000-29999).
    const base = 30000 + Math.floor(Math.random() * 60) * 40;
    Object.assign(env, {
      HQ_MEDIA_PORT_MIN: String(base),
      HQ_MEDIA_PORT_MAX: String(base + 19),
      BRANCH_MEDIA_PORT_MIN: String(base + 20),
      BRANCH_MEDIA_PORT_MAX: String(base + 39),
    });
    const started = Date.now();
    stack = startChild({
      name: 'stack',
      command: process.execPath,
      args: ['--import', 'tsx', 'deploy/dev/stack.ts', '--demo'],
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    await waitFor(
      'the stack to report ready',
      () => {
        if (stack!.process.exitCode !== null) throw new Error(stack!.tail());
        return stack!.tail().includes('ready in');
      },
      90_000,
      200,
    );
    const readyMs = Date.now() - started;
    expect(readyMs).toBeLessThan(60_000);
    expect(stack.tail()).toContain('sipp -sn uac');
    // Both edges enrolled as a real site does: a one-time token, then `hcc-edge enroll` wrote the
    // site's files (0600) that its leaf and edge run from.
    for (const site of ['hq', 'branch']) {
      expect(stack.tail()).toContain(`${site} enrolled with a one-time token`);
      const dir = join(state, 'enroll', site);
      expect(JSON.parse(readFileSync(join(dir, 'enrollment.json'), 'utf8')).siteId).toBe(site);
      for (const f of ['enrollment.json', 'leaf.creds', 'config-signing.pem', 'hub-ca.pem', 'leaf.conf'])
        expect((statSync(join(dir, f)).mode & 0o777).toString(8)).toBe('600');
    }

    for (const port of [env.CLOUD_HTTP_PORT, env.HQ_HTTP_PORT, env.BRANCH_HTTP_PORT]) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    }
    for (const port of [env.HQ_HTTP_PORT, env.BRANCH_HTTP_PORT]) {
      await waitFor(
        `demo config applied on :${port}`,
        async () => {
          const s = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
            config_version: string;
          };
          return s.config_version !== '0';
        },
        20_000,
      );
    }
    // Each edge pings the trunks of the applied config (OPTIONS) and shows them in its status.
    for (const port of [env.HQ_HTTP_PORT, env.BRANCH_HTTP_PORT]) {
      const { trunks } = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
        trunks: { id: string; state: string; last_change: string }[];
      };
      expect(trunks.map((t) => t.id)).toEqual(['demo-carrier']);
      expect(['unknown', 'up', 'down']).toContain(trunks[0]?.state);
      expect(Date.parse(trunks[0]?.last_change ?? '')).toBeGreaterThan(started);
    }
    // The config crossed a TLS leaf link: the hub's leafnode port has the dev CA's certificate and
    // each leaf pins that CA (made on first start under the state dir; handed to the site by
    // enrollment, as at a real site).
    const tlsDir = join(state, 'tls');
    expect(readFileSync(join(state, 'nats-hub', 'hub.conf'), 'utf8')).toContain(
      `"cert_file": ${JSON.stringify(join(tlsDir, 'hub-leaf.pem'))}`,
    );
    for (const site of ['hq', 'branch']) {
      const dir = join(state, 'enroll', site);
      const leafConf = readFileSync(join(dir, 'leaf.conf'), 'utf8');
      expect(leafConf).toContain(`"tls://127.0.0.1:${env.HUB_LEAF_PORT}"`);
      expect(leafConf).toContain(`"ca_file": ${JSON.stringify(join(dir, 'hub-ca.pem'))}`);
      expect(readFileSync(join(dir, 'hub-ca.pem'), 'utf8')).toBe(
        readFileSync(join(tlsDir, 'ca.pem'), 'utf8'),
      );
    }
    // Events go up and the cloud's watermark comes back down to each edge (the cloud account's
    // export of hcc.wm.*, each site account's import of its own subject), and the outbox drains.
    for (const port of [env.HQ_HTTP_PORT, env.BRANCH_HTTP_PORT]) {
      await waitFor(
        `events confirmed by the cloud on :${port}`,
        async () => {
          const { events } = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
            events: {
              journaled_seq: number;
              cloud_watermark: number;
              last_watermark_at: string | null;
              live_snapshots: { published: number; failed: number };
            };
          };
          // The demo's queues are snapshotted at start and every 15 s: published live, none refused.
          return (
            events.cloud_watermark > 0 &&
            events.last_watermark_at !== null &&
            events.live_snapshots.published > 0 &&
            events.live_snapshots.failed === 0
          );
        },
        30_000,
      );
    }

    const pids = (
      JSON.parse(readFileSync(join(state, 'pids.json'), 'utf8')) as { name: string; pid: number }[]
    ).map((e) => e.pid);
    // The stack itself and its 8 children.
    expect(pids.length).toBe(9);
    expect(pids.every(alive)).toBe(true);
    await stack.stop(30_000);
    const { code } = await stack.exited;
    expect(code).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    // Up to 90 s to become ready on a loaded machine (the assertion above wants it under 60 s), then
    // the checks and the stop.
  }, 180_000);
});
