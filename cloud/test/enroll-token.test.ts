import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EnrollError, enrollCommand } from '@hcc/edge';
import { issueUser, LoginThrottle, systemClock } from '@hcc/shared';
import {
  freePort,
  type ManagedChild,
  startChild,
  startTestLeaf,
  type TestNatsServer,
  waitFor,
  waitForTcp,
} from '@hcc/shared/testing';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { enrollmentTokens } from '../src/db/schema.ts';
import { asSystem } from '../src/db/tenant.ts';
import { demoBranchBundle, demoHqBundle } from '../src/demo/bundles.ts';
import { type Client, type CloudHarness, client, startCloudHarness } from './harness.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Every file of a directory with its bytes and mode: "nothing written" means this is unchanged. */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir))
    out[f] = `${(statSync(join(dir, f)).mode & 0o777).toString(8)} ${readFileSync(join(dir, f), 'utf8')}`;
  return out;
}

// Enrollment by one-time token, end to end: the real cloud (API, PostgreSQL with RLS, operator-mode
// hub), the edge's real `hcc-edge enroll` command writing the site's files, and a real leaf
// nats-server started from the leaf.conf it wrote.
describe('enrollment by one-time token', () => {
  let h: CloudHarness;
  let admin: Client;
  let ops: Client;
  let globex: Client;
  const tmp = mkdtempSync(join(tmpdir(), 'hcc-enroll-'));
  const leaves: ManagedChild[] = [];
  const servers: TestNatsServer[] = [];
  let leafPort: number;
  const hqDir = join(tmp, 'hq');

  /** How many leaf servers of an account are connected to the hub (system account LEAFZ). */
  async function leafCount(account: string): Promise<number> {
    const user = await issueUser({ name: 'test-sys', accountSeed: h.material.systemAccountSeed });
    const nc = await connect({
      servers: h.hub.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(user.creds)),
    });
    try {
      const m = await nc.request('$SYS.REQ.SERVER.PING.LEAFZ', '', { timeout: 3000 });
      const leafs = (m.json() as { data?: { leafs?: { account: string }[] } }).data?.leafs ?? [];
      return leafs.filter((l) => l.account === account).length;
    } finally {
      await nc.close();
    }
  }

  async function newToken(api: Client, site: string, body?: unknown) {
    const r = await api('POST', `/api/v1/sites/${site}/enrollment-tokens`, body);
    expect(r.status).toBe(201);
    return r.json as { id: string; token: string; expiresAt: string; command: string };
  }

  /** `hcc-edge enroll` in process (the CLI's command function) into `dir`. */
  const enrollInto = (dir: string, token: string) =>
    enrollCommand(['--cloud', h.url, '--token', token, '--enroll-dir', dir, '--no-restart'], {
      EDGE_LEAF_PORT: String(leafPort),
      EDGE_LEAF_STORE_DIR: join(tmp, 'leaf-store'),
    });

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    ({ api: admin } = await h.tenant('acme'));
    await h.site(admin, demoHqBundle());
    await h.site(admin, demoBranchBundle());
    const u = await admin('POST', '/api/v1/users', {
      email: 'ops@acme.example',
      displayName: 'Ops',
      role: 'ops',
      password: 'ops-password-0123',
    });
    expect(u.status).toBe(201);
    const login = await client(h.url)('POST', '/api/v1/auth/login', {
      email: 'ops@acme.example',
      password: 'ops-password-0123',
    });
    ops = client(h.url, login.json.token);
    ({ api: globex } = await h.tenant('globex'));
    const gx = demoHqBundle();
    gx.siteId = 'gx-main';
    gx.tenantId = 'globex';
    await h.site(globex, gx);
    leafPort = await freePort();
  }, 120_000);
  // Every test starts with a fresh per-address brake: they all enroll from 127.0.0.1, and the
  // refusals they provoke on purpose would add up to the limit the last test checks.
  beforeEach(() => {
    h.cp.api.enrollThrottle = new LoginThrottle({ clock: systemClock, perAccount: 10, perAddress: 10 });
  });
  afterAll(async () => {
    for (const l of leaves) await l.stop();
    for (const s of servers) await s.dispose();
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an ops user makes a token; `hcc-edge enroll` writes the files 0600 and the leaf connects with them', async () => {
    const t = await newToken(ops, 'hq');
    expect(t.token).toMatch(/^hcce_[A-Za-z0-9_-]{43}$/);
    expect(t.command).toBe(`hcc-edge enroll --cloud ${h.url} --token ${t.token}`);
    const ttl = Date.parse(t.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    // Stored hashed: the secret is nowhere in the table.
    const rows = await asSystem(h.cp.api.db, (tx) => tx.select().from(enrollmentTokens));
    expect(JSON.stringify(rows)).not.toContain(t.token.slice(5));

    // The real command line, as an operator runs it at the site.
    const started = performance.now();
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'edge/src/cli.ts',
        ...t.command.split(' ').slice(1),
        '--enroll-dir',
        hqDir,
        '--no-restart',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          EDGE_LEAF_PORT: String(leafPort),
          EDGE_LEAF_STORE_DIR: join(tmp, 'leaf-store'),
        },
      },
    );
    expect(stdout).toContain('enrolled as site hq of tenant acme');
    expect(stdout).toContain(`nats-server -c ${join(hqDir, 'leaf.conf')}`);
    const files = snapshot(hqDir);
    expect(Object.keys(files).sort()).toEqual([
      'config-signing.pem',
      'enrollment.json',
      'hub-ca.pem',
      'leaf.conf',
      'leaf.creds',
    ]);
    // The leaf pins the hub's CA the cloud handed out, and reaches the hub over TLS.
    expect(readFileSync(join(hqDir, 'hub-ca.pem'), 'utf8')).toBe(readFileSync(h.hub.caFile!, 'utf8'));
    expect(readFileSync(join(hqDir, 'leaf.conf'), 'utf8')).toContain(
      `"ca_file": "${join(hqDir, 'hub-ca.pem')}"`,
    );
    for (const [f, v] of Object.entries(files))
      expect({ f, mode: v.slice(0, 3) }).toEqual({ f, mode: '600' });
    const record = JSON.parse(readFileSync(join(hqDir, 'enrollment.json'), 'utf8'));
    expect(record).toMatchObject({
      siteId: 'hq',
      tenantId: 'acme',
      cloudUrl: h.url,
      hubLeafUrls: [h.hub.leafUrl],
    });
    expect(record.account).toMatch(/^A[A-Z2-7]{55}$/);
    expect(readFileSync(join(hqDir, 'config-signing.pem'), 'utf8').trim()).toBe(h.keys.publicKeyPem.trim());

    const leaf = startChild({
      name: 'leaf-hq',
      command: 'nats-server',
      args: ['-c', join(hqDir, 'leaf.conf')],
    });
    leaves.push(leaf);
    await waitForTcp('127.0.0.1', leafPort, 15_000, leaf);
    await waitFor(
      'leaf-hq connected to the hub',
      async () => (await leafCount(record.account)) === 1,
      15_000,
      100,
    );
    process.stdout.write(`enroll -> leaf connected: ${Math.round(performance.now() - started)} ms\n`);

    const list = await ops('GET', '/api/v1/sites/hq/enrollment-tokens');
    expect(list.json.tokens).toEqual([
      expect.objectContaining({ id: t.id, state: 'used', usedFrom: expect.stringMatching(/127\.0\.0\.1/) }),
    ]);
  });

  it('refuses a used, an expired, a revoked, an unknown and a malformed token, writing nothing', async () => {
    const before = snapshot(hqDir);
    const used = (await ops('GET', '/api/v1/sites/hq/enrollment-tokens')).json.tokens[0];
    expect(used.state).toBe('used');
    // The used token of the first test, again (its secret is not stored: make one, use it, retry it).
    const t = await newToken(ops, 'branch');
    const branchDir = join(tmp, 'branch');
    expect(await enrollInto(branchDir, t.token)).toBe(0);
    const branchBefore = snapshot(branchDir);
    await expect(enrollInto(hqDir, t.token)).rejects.toThrow(/^token already used/);

    const expired = await newToken(ops, 'hq', { expiresInMinutes: 5 });
    await asSystem(h.cp.api.db, (tx) =>
      tx
        .update(enrollmentTokens)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(enrollmentTokens.id, expired.id)),
    );
    await expect(enrollInto(hqDir, expired.token)).rejects.toThrow(/^token expired/);

    const revoked = await newToken(ops, 'hq');
    expect((await ops('DELETE', `/api/v1/sites/hq/enrollment-tokens/${revoked.id}`)).status).toBe(204);
    await expect(enrollInto(hqDir, revoked.token)).rejects.toThrow(/^token revoked/);

    await expect(enrollInto(hqDir, `hcce_${'A'.repeat(43)}`)).rejects.toThrow(/^unknown token/);
    await expect(enrollInto(hqDir, 'not-a-token')).rejects.toThrow(/^malformed token/);
    // The cloud's answers, as the contract names them.
    const anon = client(h.url);
    expect((await anon('POST', '/api/v1/enroll', { token: t.token })).json.error).toBe('token_used');
    expect((await anon('POST', '/api/v1/enroll', { token: expired.token })).status).toBe(410);
    expect((await anon('POST', '/api/v1/enroll', { token: `hcce_${'B'.repeat(43)}` })).status).toBe(401);
    expect((await anon('POST', '/api/v1/enroll', { token: 42 })).status).toBe(400);

    expect(snapshot(hqDir)).toEqual(before);
    expect(snapshot(branchDir)).toEqual(branchBefore);
    // Expired and refused tokens stay unused.
    const states = (await ops('GET', '/api/v1/sites/hq/enrollment-tokens')).json.tokens.map(
      (x: { state: string }) => x.state,
    );
    expect(states.sort()).toEqual(['expired', 'revoked', 'used']);
  });

  it("keeps tenants apart: no token for another tenant's site, and a token enrolls only the site it names", async () => {
    expect((await globex('POST', '/api/v1/sites/hq/enrollment-tokens')).status).toBe(404);
    expect((await globex('GET', '/api/v1/sites/hq/enrollment-tokens')).status).toBe(404);
    const acmeToken = (await ops('GET', '/api/v1/sites/hq/enrollment-tokens')).json.tokens[0];
    expect((await globex('DELETE', `/api/v1/sites/hq/enrollment-tokens/${acmeToken.id}`)).status).toBe(404);
    const rows = await asSystem(h.cp.api.db, (tx) =>
      tx.select().from(enrollmentTokens).where(eq(enrollmentTokens.tenantId, 'globex')),
    );
    expect(rows).toEqual([]);
    // globex's own token enrolls globex's site, whatever directory it lands in.
    const gxDir = join(tmp, 'gx');
    const t = await newToken(globex, 'gx-main');
    expect(await enrollInto(gxDir, t.token)).toBe(0);
    expect(JSON.parse(readFileSync(join(gxDir, 'enrollment.json'), 'utf8'))).toMatchObject({
      siteId: 'gx-main',
      tenantId: 'globex',
    });
    // Used once: a second try is refused and changes nothing.
    const before = snapshot(gxDir);
    await expect(enrollInto(gxDir, t.token)).rejects.toThrow(EnrollError);
    expect(snapshot(gxDir)).toEqual(before);
  });

  it('lets exactly one of two concurrent uses of a token through', async () => {
    const t = await newToken(ops, 'branch');
    const dirs = [join(tmp, 'race-a'), join(tmp, 'race-b')];
    const results = await Promise.allSettled(dirs.map((d) => enrollInto(d, t.token)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 0)).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(lost.reason.message)).toMatch(/^token already used/);
    expect(dirs.filter((d) => existsSync(join(d, 'enrollment.json')))).toHaveLength(1);
    expect(dirs.map((d) => Object.keys(snapshot(d)).length).sort()).toEqual([0, 5]);
  });

  it('re-enrolling revokes the previous leaf credentials; the leaf comes back with the new ones', async () => {
    const account = JSON.parse(readFileSync(join(hqDir, 'enrollment.json'), 'utf8')).account as string;
    const oldCreds = readFileSync(join(hqDir, 'leaf.creds'), 'utf8');
    expect(await enrollInto(hqDir, (await newToken(ops, 'hq')).token)).toBe(0);
    expect(readFileSync(join(hqDir, 'leaf.creds'), 'utf8')).not.toBe(oldCreds);
    expect(JSON.parse(readFileSync(join(hqDir, 'enrollment.json'), 'utf8')).account).toBe(account);
    // A leaf holding the old credentials stays out: with only it running, the account has no leaf.
    const stale = await startTestLeaf('hq', h.hub, { creds: oldCreds, name: 'leaf-hq-old' });
    servers.push(stale);
    await leaves.pop()?.stop();
    await waitFor('no leaf of hq', async () => (await leafCount(account)) === 0, 10_000, 100);
    await sleep(2500); // the stale leaf retries every second
    expect(await leafCount(account)).toBe(0);
    // The site's leaf, restarted from the files enroll wrote, is back with the new credentials.
    const leaf = startChild({
      name: 'leaf-hq',
      command: 'nats-server',
      args: ['-c', join(hqDir, 'leaf.conf')],
    });
    leaves.push(leaf);
    await waitFor(
      'leaf-hq back with the new credentials',
      async () => (await leafCount(account)) === 1,
      15_000,
      100,
    );
    await sleep(2500);
    expect(await leafCount(account)).toBe(1);
  });

  it('gives the token back when the enrollment fails (hub down), so the site can retry with it', async () => {
    const r = await admin('POST', '/api/v1/sites', { id: 'lab', name: 'Lab', timeZone: 'UTC' });
    expect(r.status).toBe(201);
    const t = await newToken(ops, 'lab');
    const dir = join(tmp, 'lab');
    await h.hub.stop();
    try {
      await expect(enrollInto(dir, t.token)).rejects.toThrow(/^cloud answered 500/);
      expect(existsSync(dir)).toBe(false);
      const [view] = (await ops('GET', '/api/v1/sites/lab/enrollment-tokens')).json.tokens;
      expect(view).toMatchObject({ id: t.id, state: 'pending', usedAt: null, usedFrom: null });
    } finally {
      await h.hub.start();
    }
    // The cloud's own connection reconnects within a second or so; then the same token works.
    await waitFor(
      'enrollment with the released token',
      async () => (await enrollInto(dir, t.token).catch(() => 1)) === 0,
      30_000,
      500,
    );
    expect(JSON.parse(readFileSync(join(dir, 'enrollment.json'), 'utf8')).siteId).toBe('lab');
  });

  it('refuses plain http to a non-loopback cloud and brakes token guessing per address', async () => {
    await expect(
      enrollCommand([
        '--cloud',
        'http://192.0.2.1:8080',
        '--token',
        `hcce_${'C'.repeat(43)}`,
        '--enroll-dir',
        join(tmp, 'x'),
      ]),
    ).rejects.toThrow(/refusing plain http/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
    const anon = client(h.url);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await anon('POST', '/api/v1/enroll', { token: `hcce_${String(i).padStart(43, 'Z')}` })).status,
      );
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
  });
});
