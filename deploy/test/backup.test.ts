import { createHash, createHmac } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDGE_MIGRATIONS } from '@hcc/edge';
import { type ManagedChild, openDatabase, verifyBackup } from '@hcc/shared';
import { freePort, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentScenario, callerScenario, writeScenario } from '../../edge/test/call/scenarios.ts';
import { offeredEvents } from './backup/events.ts';
import { registerPhone } from './backup/register.ts';
import {
  type CliRun,
  cli,
  cloudEnv,
  hqEnv,
  type StackEnv,
  sipp,
  stackCloudFiles,
  stackEnv,
  startService,
  startStack,
  stopStackProcess,
} from './backup/stack.ts';

const DID = '+15550100';
/** `nobody`: stands for the `hcc` system user as owner of a service's data dir. */
const SERVICE_UID = 65534;
const CALLER = '+15557770001';
const CUSTOMER = { phone: CALLER, name: 'Backup Round-Trip Customer', account: 'ACME-42' };

type Row = Record<string, unknown>;
async function rows(dataDir: string, q: ReturnType<typeof sql>): Promise<Row[]> {
  const db = await openDatabase({ dataDir: join(dataDir, 'pglite') });
  try {
    return ((await db.db.execute(q)) as unknown as { rows: Row[] }).rows;
  } finally {
    await db.close();
  }
}

const ok = (r: CliRun) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
const status = async (port: string) =>
  (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { config_version: string };

// Issue 14 item 8: the demo stack takes calls; `hcc-edge backup` runs while calls are in progress;
// the archive restores into a fresh data dir and the edge started there has the CDRs, recording,
// customer, SIP secrets and enrollment, and gives the same caller the same pseudonym. Then the
// cloud: backup while running, restore into a fresh data dir, start it against the same hub: the
// enrolled branch edge still takes config from it.
describe('backup and restore round trip (demo stack, calls running)', () => {
  const state = mkdtempSync(join(tmpdir(), 'hcc-bk-'));
  let s: StackEnv;
  let stack: ManagedChild | undefined;
  const services: ManagedChild[] = [];
  const hqData = () => join(state, 'edge-hq');
  // The enrollment directory `hcc-edge enroll` wrote when the demo stack enrolled hq with a token.
  const enroll = join(state, 'enroll', 'hq');
  let creds: { console: { user: string; password: string }; agents: Record<string, string> };

  beforeAll(async () => {
    s = await stackEnv(state);
    // The hq edge's database holds a customer before the stack starts it (the directory is
    // provisioned at the site, not by calls).
    const db = await openDatabase({ dataDir: join(hqData(), 'pglite') });
    await db.migrate(EDGE_MIGRATIONS);
    await db.db.execute(
      sql`insert into customers (phone, name, account) values (${CUSTOMER.phone}, ${CUSTOMER.name}, ${CUSTOMER.account})`,
    );
    await db.close();
    stack = startStack(s);
    await waitFor(
      'the stack to report ready',
      () => {
        if (stack!.process.exitCode !== null) throw new Error(stack!.tail());
        return stack!.tail().includes('ready in');
      },
      120_000,
      250,
    );
    await waitFor(
      'demo config on hq',
      async () => (await status(s.ports.HQ_HTTP_PORT!)).config_version !== '0',
      30_000,
    );
    creds = JSON.parse(readFileSync(join(state, 'secrets', 'demo-credentials.json'), 'utf8'));
  }, 180_000);

  afterAll(async () => {
    for (const c of services) await c.stop(15_000);
    await stack?.stop(30_000);
    if (!process.env.HCC_KEEP_DIR) rmSync(state, { recursive: true, force: true });
  });

  const hqSip = () => `127.0.0.1:${s.ports.HQ_SIP_PORT}`;
  const scenario = (name: string, text: string) => writeScenario(state, name, text);

  let phonePort = 0;
  const register = (contactPort: number, expires: number) =>
    registerPhone({
      server: { host: '127.0.0.1', port: Number(s.ports.HQ_SIP_PORT) },
      user: '1001',
      password: creds.agents['1001']!,
      contactPort,
      expires,
    });
  /** Agent 1001's desk phone (a SIPp UAS) answers one call with audio; registering makes it ready. */
  async function agentPhone(): Promise<{ done: Promise<unknown> }> {
    phonePort = await freePort();
    const phone = await sipp(
      await scenario(
        'agent-1001',
        agentScenario({ ringMs: 300, actions: [{ audio: true }, { waitBye: true }] }),
      ),
      hqSip(),
      { port: phonePort },
    );
    expect(await register(phonePort, 300)).toBe(200);
    // Wrapped: an async function returning a promise would wait for it.
    return { done: phone.done };
  }

  it('edge: backup while calls run; a corrupted copy is refused; restored, the same caller gets the same pseudonym', async () => {
    // A recorded call answered by agent 1001, then two callers left waiting in the queue.
    const phone = await agentPhone();
    const answered = await sipp(
      await scenario(
        'caller-answered',
        callerScenario({
          did: DID,
          number: CALLER,
          actions: [{ audio: true }, { pause: 7000 }, { dtmf: '1' }, { pause: 8000 }, { bye: true }],
        }),
      ),
      hqSip(),
    );
    expect((await answered.done).code).toBe(0);
    await phone.done;
    const wavs = () =>
      existsSync(join(hqData(), 'recordings'))
        ? readdirSync(join(hqData(), 'recordings'), { recursive: true }).filter((f) =>
            String(f).endsWith('.wav'),
          )
        : [];
    await waitFor('the recording archived', () => wavs().length > 0, 30_000);
    // The phone unregisters: the next callers wait in the queue with nobody to ring.
    expect(await register(phonePort, 0)).toBe(200);

    const waiting = await Promise.all(
      [1, 2].map(async (i) =>
        sipp(
          await scenario(
            `caller-waiting-${i}`,
            callerScenario({
              did: DID,
              number: CALLER,
              actions: [{ pause: 7000 }, { dtmf: '1' }, { pause: 25_000 }, { bye: true }],
            }),
          ),
          hqSip(),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 9000)); // both callers are in the queue now

    const archive = join(state, 'hq-backup.tar.gz');
    const backup = await cli('edge', ['backup', archive], hqEnv(s, hqData(), enroll));
    ok(backup);
    // The calls were in progress for the whole backup.
    for (const w of waiting) expect(w.child.process.exitCode).toBeNull();
    expect(backup.stderr).toContain('from the running service');
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const manifest = await verifyBackup(archive);
    const paths = manifest.files.map((f) => f.path);
    expect(manifest).toMatchObject({ service: 'edge', site: 'hq', database: 'pglite' });
    expect(paths).toContain('database/pglite.tar');
    expect(paths).toContain('data/pseudonym.key');
    expect(paths).toContain('enroll/leaf.creds');
    expect(paths.some((p) => p.startsWith('data/recordings/') && p.endsWith('.wav'))).toBe(true);
    console.log(
      `figure: demo edge backup with 2 calls in progress: ${(backup.ms / 1000).toFixed(1)} s (CLI process), ` +
        `archive ${(statSync(archive).size / 1024).toFixed(0)} KiB, ${paths.length} files\n${backup.stdout}${backup.stderr}`,
    );

    // One byte flipped: refused, nothing written.
    const bad = join(state, 'hq-bad.tar.gz');
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(bad, bytes);
    const badDir = join(state, 'edge-bad');
    const badEnroll = join(state, 'bad-enroll');
    const refused = await cli('edge', ['restore', bad], hqEnv(s, badDir, badEnroll));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/damaged|SHA-256/);
    expect(existsSync(badDir)).toBe(false);
    expect(existsSync(badEnroll)).toBe(false);

    // Restore refuses while the edge runs (it answers on its admin socket), even with --force.
    const running = await cli('edge', ['restore', archive, '--force'], hqEnv(s, hqData(), enroll));
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('the edge is running');

    for (const w of waiting) await w.done;
    await stopStackProcess(s, 'edge-hq');
    // Stopped, the edge is backed up from its data dir.
    const offline = await cli('edge', ['backup', join(state, 'hq-offline.tar')], hqEnv(s, hqData(), enroll));
    ok(offline);
    expect(offline.stderr).toContain('from the data dir (service stopped)');
    expect((await verifyBackup(join(state, 'hq-offline.tar'))).files.length).toBe(paths.length);
    // The data dir exists (as the package makes it) and belongs to the service's user: run as root,
    // restore hands every file it writes to that user.
    const restoredDir = join(state, 'edge-r');
    mkdirSync(restoredDir);
    chownSync(restoredDir, SERVICE_UID, SERVICE_UID);
    const restore = await cli('edge', ['restore', archive], hqEnv(s, restoredDir, join(state, 'enroll-r')));
    ok(restore);
    const owners = new Set(
      readdirSync(restoredDir, { recursive: true }).map((f) => statSync(join(restoredDir, String(f))).uid),
    );
    expect(owners).toEqual(new Set([process.getuid?.() === 0 ? SERVICE_UID : process.getuid?.()]));
    const again = await cli('edge', ['restore', archive], hqEnv(s, restoredDir, join(state, 'enroll-r')));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not a fresh install');

    // What the edge had when the backup ran is in the restored database and data dir.
    const before = await rows(hqData(), sql`select interaction_id from cdrs`);
    const after = await rows(restoredDir, sql`select interaction_id from cdrs`);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(before.map((r) => r.interaction_id)).toEqual(
      expect.arrayContaining(after.map((r) => r.interaction_id)),
    );
    expect(await rows(restoredDir, sql`select phone, name, account from customers`)).toEqual([CUSTOMER]);
    const secretCount = sql`select count(*)::int as n from local_secrets`;
    expect((await rows(restoredDir, secretCount))[0]!.n).toBe((await rows(hqData(), secretCount))[0]!.n);
    const recs = await rows(restoredDir, sql`select path, sha256 from recordings where kind = 'call'`);
    expect(recs.length).toBeGreaterThanOrEqual(1);
    for (const r of recs) {
      expect(String(r.path).startsWith(`${restoredDir}/recordings/`)).toBe(true);
      expect(
        createHash('sha256')
          .update(readFileSync(String(r.path)))
          .digest('hex'),
      ).toBe(r.sha256);
    }
    for (const f of ['leaf.creds', 'config-signing.pem']) {
      expect(readFileSync(join(state, 'enroll-r', f))).toEqual(readFileSync(join(enroll, f)));
      expect(statSync(join(state, 'enroll-r', f)).mode & 0o777).toBe(0o600);
    }

    // The restored edge runs, knows agent 1001's SIP secret, and pseudonymizes as before.
    const restoredAt = Date.now();
    services.push(
      await startService('edge', hqEnv(s, restoredDir, join(state, 'enroll-r')), s.ports.HQ_HTTP_PORT!),
    );
    expect(await register(await freePort(), 300)).toBe(200);

    const call = await sipp(
      await scenario(
        'caller-after',
        callerScenario({ did: DID, number: CALLER, actions: [{ pause: 3000 }, { bye: true }] }),
      ),
      hqSip(),
    );
    expect((await call.done).code).toBe(0);
    const natsUrl = `nats://127.0.0.1:${s.ports.HQ_NATS_PORT}`;
    let offered: Awaited<ReturnType<typeof offeredEvents>> = [];
    await waitFor(
      'the restored edge publishes the call',
      async () => {
        offered = await offeredEvents(natsUrl);
        return offered.some((e) => e.occurredAtMs >= restoredAt);
      },
      30_000,
      500,
    );
    const key = Buffer.from(readFileSync(join(hqData(), 'pseudonym.key'), 'utf8').trim(), 'base64');
    const expected = createHmac('sha256', key).update(CALLER).digest('hex');
    expect(offered.length).toBeGreaterThanOrEqual(4);
    expect(offered.filter((e) => e.occurredAtMs < restoredAt).length).toBeGreaterThanOrEqual(3);
    expect(new Set(offered.map((e) => e.pseudonym))).toEqual(new Set([expected]));
  }, 420_000);

  it('cloud: backup while running, restore into a fresh data dir, the enrolled branch edge still takes config', async () => {
    const archive = join(state, 'cloud-backup.tar');
    const backup = await cli(
      'cloud',
      ['backup', archive],
      cloudEnv(s, join(state, 'cloud'), stackCloudFiles(s)),
    );
    ok(backup);
    expect(backup.stderr).toContain('from the running service');
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect((await verifyBackup(archive)).files.map((f) => f.path).sort()).toEqual([
      'database/pglite.tar',
      'secrets/config-signing.pem',
      'secrets/nats-authority.json',
      'secrets/secrets.key',
    ]);
    await stopStackProcess(s, 'cloud');

    const dir = join(state, 'cloud-r');
    const files = {
      authority: join(dir, 'etc', 'nats-authority.json'),
      secretsKey: join(dir, 'etc', 'secrets.key'),
      signingKey: join(dir, 'etc', 'config-signing.pem'),
    };
    const env = cloudEnv(s, dir, files);
    ok(await cli('cloud', ['restore', archive], env));
    for (const k of ['authority', 'secretsKey', 'signingKey'] as const)
      expect(readFileSync(files[k])).toEqual(readFileSync(stackCloudFiles(s)[k]));
    expect(readdirSync(join(dir, 'pglite')).length).toBeGreaterThan(0);
    const again = await cli('cloud', ['restore', archive], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not a fresh database');

    services.push(await startService('cloud', env, s.ports.CLOUD_HTTP_PORT!));
    const api = `http://127.0.0.1:${s.ports.CLOUD_HTTP_PORT}/api/v1`;
    const login = await fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: creds.console.user, password: creds.console.password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const branchPort = s.ports.BRANCH_HTTP_PORT!;
    const v0 = BigInt((await status(branchPort)).config_version);
    // A new version signed with the restored key, written to the branch's hub account with the
    // restored (sealed) account seed, mirrored by the branch leaf and applied by the edge.
    const rb = await fetch(`${api}/sites/branch/rollback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ version: Number(v0) }),
    });
    expect(rb.status, await rb.clone().text()).toBe(200);
    await waitFor(
      'branch applies the new version',
      async () => BigInt((await status(branchPort)).config_version) > v0,
      30_000,
    );
  }, 240_000);
});
