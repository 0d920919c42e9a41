/**
 * The directory in the edge as a site runs it: `hcc-edge run` (embedded PGlite, a nats-server; no
 * rtpengine needed for this), a key made with `hcc-edge api-key create` while it runs (through its
 * admin socket), the API on the edge's HTTP port with that key, `hcc-edge customers import|export`
 * against the running edge, and a revoked key refused at once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type ManagedChild,
  startChild,
  startTestHub,
  type TestHub,
  waitFor,
} from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../../../deploy/test/backup/stack.ts';
import { customersCsv, lineOfRow, parseCsvText } from './fixtures.ts';

describe('the customer directory in a running edge (hcc-edge run, PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-dir-edge-'));
  let hub: TestHub;
  let edge: ManagedChild;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    hub = await startTestHub('directory-edge');
    const http = String(await freePort());
    env = {
      EDGE_SITE: 'hq',
      EDGE_HTTP_HOST: '127.0.0.1',
      EDGE_HTTP_PORT: http,
      EDGE_SIP_HOST: '127.0.0.1',
      EDGE_SIP_PORT: String(await freePort()),
      EDGE_SIP_WS_PORT: String(await freePort()),
      EDGE_DTMF_PORT: String(await freePort()),
      EDGE_NATS_URL: hub.url,
      EDGE_RTPENGINE_NG: `127.0.0.1:${await freePort()}`,
      EDGE_DATA_DIR: join(dir, 'data'),
      EDGE_ENROLL_DIR: '',
      EDGE_CONFIG_PUBLIC_KEY_FILE: '',
      EDGE_DATABASE_URL: '',
    };
    base = `http://127.0.0.1:${http}`;
    edge = startChild({
      name: 'edge-directory',
      command: process.execPath,
      args: ['--import', 'tsx', 'edge/src/cli.ts', 'run'],
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    await waitFor(
      'edge /healthz',
      async () => {
        if (edge.process.exitCode !== null) throw new Error(edge.tail());
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200;
      },
      90_000,
      250,
    );
  });

  afterAll(async () => {
    await edge?.stop();
    await hub?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /api/v1/customers with a key made by the CLI while it runs, and the CLI imports and exports', async () => {
    expect((await fetch(`${base}/api/v1/customers`)).status).toBe(401);
    const created = await cli('edge', ['api-key', 'create', 'crm'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^hcck_/);
    const auth = { authorization: `Bearer ${key}` };

    const put = await fetch(`${base}/api/v1/customers/${encodeURIComponent('+15557654321')}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Grace Hopper',
        email: 'grace@example.org',
        attributes: { vip_tier: 'gold' },
      }),
    });
    expect(put.status).toBe(201);

    const file = join(dir, 'in.csv');
    writeFileSync(file, customersCsv(300, new Map([[42, 'email']])));
    const imported = await cli('edge', ['customers', 'import', file], env);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toMatch(
      new RegExp(
        `^line ${lineOfRow(42)}: email: is not an e-mail address\n299 customers stored, 1 row refused`,
      ),
    );

    const found = await (await fetch(`${base}/api/v1/customers?name=grace`, { headers: auth })).json();
    expect(found.customers.map((c: { email: string }) => c.email)).toEqual(['grace@example.org']);
    const out = join(dir, 'out.csv');
    const exported = await cli('edge', ['customers', 'export', out], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(parseCsvText(readFileSync(out, 'utf8')).length).toBe(1 + 300);

    const id = key.slice(5, 21);
    expect((await cli('edge', ['api-key', 'revoke', id], env)).code).toBe(0);
    expect((await fetch(`${base}/api/v1/customers`, { headers: auth })).status).toBe(401);
    const listed = await cli('edge', ['api-key', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`${id} .*Z\\s+revoked\\s+crm`));
  });
});
