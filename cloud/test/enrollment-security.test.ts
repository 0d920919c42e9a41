import { issueUser, newAccountKey } from '@hcc/shared';
import { startTestLeaf, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { siteNats } from '../src/db/schema.ts';
import { asSystem } from '../src/db/tenant.ts';
import { demoBranchBundle, demoHqBundle } from '../src/demo/bundles.ts';
import type { EnrollmentGrant } from '../src/sites/enrollment.ts';
import { type Client, type CloudHarness, startCloudHarness, type TestEdge } from './harness.ts';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

interface Leafz {
  data?: { leafs?: { account: string }[] };
}

// Site account seeds are sealed in the database; re-enrolling a site revokes the leaf user of the previous enrollment: a real leaf still holding
// the old credentials is dropped by the hub and refused after a restart; the new credentials work.
describe('enrollment security: sealed seeds, revoked leaf credentials', () => {
  let h: CloudHarness;
  let api: Client;
  let hq: TestEdge;
  const servers: TestNatsServer[] = [];

  /** How many leaf servers of hq's account are connected to the hub (system account LEAFZ). */
  async function hqLeafs(): Promise<number> {
    const user = await issueUser({ name: 'test-sys', accountSeed: h.material.systemAccountSeed });
    const nc = await connect({
      servers: h.hub.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(user.creds)),
    });
    try {
      const m = await nc.request('$SYS.REQ.SERVER.PING.LEAFZ', '', { timeout: 3000 });
      const leafs = (m.json() as Leafz).data?.leafs ?? [];
      return leafs.filter((l) => l.account === hq.grant.account).length;
    } finally {
      await nc.close();
    }
  }

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    ({ api } = await h.tenant('acme'));
    await h.site(api, demoHqBundle());
    hq = await h.edge(api, 'hq');
  });
  afterAll(async () => {
    for (const s of servers) await s.dispose();
    await h?.stop();
  });

  it('drops the old leaf, refuses it on reconnect, and accepts the new credentials', async () => {
    await waitFor('old leaf connected', async () => (await hqLeafs()) === 1, 15_000);
    const r = await api('POST', '/api/v1/sites/hq/enroll');
    expect(r.status).toBe(200);
    const grant = r.json as EnrollmentGrant;
    expect(grant.account).toBe(hq.grant.account);
    expect(grant.leafCredentials).not.toBe(hq.grant.leafCredentials);

    await waitFor('old leaf dropped', async () => (await hqLeafs()) === 0, 5_000, 50);
    // The old leaf keeps retrying (every second): it stays out.
    await sleep(2500);
    expect(await hqLeafs()).toBe(0);
    // A restart with the old credentials does not get it back in either.
    await hq.leaf.stop();
    await hq.leaf.start();
    await sleep(2500);
    expect(await hqLeafs()).toBe(0);

    const fresh = await startTestLeaf('hq', h.hub, { creds: grant.leafCredentials, name: 'leaf-hq-new' });
    servers.push(fresh);
    await waitFor('new leaf connected', async () => (await hqLeafs()) === 1, 15_000);
    await sleep(2500); // the old leaf, still retrying, never makes it two
    expect(await hqLeafs()).toBe(1);

    // A second re-enrollment revokes the second user too, and keeps the first one revoked.
    const again = await api('POST', '/api/v1/sites/hq/enroll');
    expect(again.status).toBe(200);
    await waitFor('second leaf dropped', async () => (await hqLeafs()) === 0, 5_000, 50);
    await sleep(2500);
    expect(await hqLeafs()).toBe(0);
  });

  const row = async (site: string) =>
    (
      await asSystem(h.cp.database.db, (tx) => tx.select().from(siteNats).where(eq(siteNats.siteId, site)))
    )[0]!;

  it('stores the site account seed sealed, and seals a plaintext seed left by an older version at start', async () => {
    const hqRow = await row('hq');
    expect(hqRow.accountSeed).toMatch(/^v1:/);
    expect(hqRow.accountSeed).not.toMatch(/SA[A-Z2-7]{50,}/);
    expect(Object.keys(hqRow.revocations)).toHaveLength(2);

    // An enrolled site as an older version left it: plaintext seed, no leaf user on record.
    await h.site(api, demoBranchBundle());
    const key = newAccountKey();
    await asSystem(h.cp.database.db, (tx) =>
      tx.insert(siteNats).values({
        siteId: 'branch',
        tenantId: 'acme',
        accountPublicKey: key.publicKey,
        accountSeed: key.seed,
      }),
    );
    await h.cp.api.enrollment.restore(); // what the control plane runs at start
    const sealed = (await row('branch')).accountSeed;
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain(key.seed);
    // The sealed seed still mints the account's users: enrollment works and keeps the account.
    const r = await api('POST', '/api/v1/sites/branch/enroll');
    expect(r.status).toBe(200);
    expect((r.json as EnrollmentGrant).account).toBe(key.publicKey);
    expect((await row('branch')).accountSeed).toBe(sealed); // current already: not re-sealed

    // A tampered seed fails loudly (named error), it never mints users with garbage.
    const parts = sealed.split(':');
    parts[2] = Buffer.from(Buffer.from(parts[2]!, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString(
      'base64',
    );
    await asSystem(h.cp.database.db, (tx) =>
      tx
        .update(siteNats)
        .set({ accountSeed: parts.join(':') })
        .where(eq(siteNats.siteId, 'branch')),
    );
    const bad = await api('POST', '/api/v1/sites/branch/enroll');
    expect(bad.status).toBe(500);
    const err = await h.cp.api.enrollment.enroll('acme', 'branch').catch((e: unknown) => e);
    expect((err as Error).name).toBe('SecretBoxError');
    expect((err as Error).message).toMatch(/tampered, or the wrong key/);
    await asSystem(h.cp.database.db, (tx) =>
      tx.update(siteNats).set({ accountSeed: sealed }).where(eq(siteNats.siteId, 'branch')),
    );
  });
});
