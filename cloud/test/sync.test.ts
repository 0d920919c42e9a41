import { clone, create } from '@bufbuild/protobuf';
import { bundleSigningBytes, ConfigBundleSchema, decodeBundle, encodeBundle } from '@hcc/proto';
import { names, signBytes } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { siteAccountOf } from '../src/config/rollout.ts';
import { withTenant } from '../src/db/tenant.ts';
import { demoBranchBundle, demoHqBundle } from '../src/demo/bundles.ts';
import { openSiteConfigBucket } from '../src/nats/topology.ts';
import { type Client, type CloudHarness, startCloudHarness, type TestEdge } from './harness.ts';

// Config sync end to end with real processes: PostgreSQL, an operator-mode nats-server hub, a leaf
// per site with the credentials enrollment issued, and the edge's config path (store, mirror watch,
// applied/rejected/heartbeat reports) per site.
describe('config sync: publish, rollout, rollback, rejection, WAN outage', () => {
  let h: CloudHarness;
  let api: Client;
  let hq: TestEdge;
  let branch: TestEdge;

  const siteStatus = async (site: string) => (await api('GET', `/api/v1/sites/${site}`)).json;
  const appliedInApi = (site: string, version: string) =>
    waitFor(
      `${site} applied ${version} in the API`,
      async () => (await siteStatus(site)).status.appliedVersion === version,
      20_000,
      100,
    );

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    ({ api } = await h.tenant('acme'));
    await h.site(api, demoHqBundle());
    await h.site(api, demoBranchBundle());
    hq = await h.edge(api, 'hq');
    branch = await h.edge(api, 'branch');
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('publish reaches two edges and the API shows both applied and online', async () => {
    const r = await api('POST', '/api/v1/publish', { siteIds: ['hq', 'branch'] });
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([
      { siteId: 'hq', version: '1', ok: true },
      { siteId: 'branch', version: '1', ok: true },
    ]);
    await waitFor(
      'both edges run v1',
      async () => hq.agent.store.version === 1n && branch.agent.store.version === 1n,
      20_000,
      50,
    );
    await appliedInApi('hq', '1');
    await appliedInApi('branch', '1');
    // Online = a heartbeat younger than 5 s; on a loaded machine the fleet consumer may take a moment.
    await waitFor(
      'both sites online in the API',
      async () => (await siteStatus('hq')).status.online && (await siteStatus('branch')).status.online,
      20_000,
      100,
    );
    const sites = (await api('GET', '/api/v1/sites')).json.sites;
    expect(sites.map((s: { id: string }) => s.id)).toEqual(['branch', 'hq']);
    for (const s of sites) {
      expect(s.status.online).toBe(true);
      expect(s.deployedVersion).toBe('1');
      expect(s.enrolled).toBe(true);
    }
  });

  it('stages a rollout to one site, then rolls back to an earlier version', async () => {
    const flow = (await api('GET', '/api/v1/sites/hq/flows/main')).json;
    const menu = flow.nodes.find((n: { id: string }) => n.id === 'menu');
    menu.menu.choices = [{ digit: '1', nodeId: 'to-support' }];
    expect((await api('PUT', '/api/v1/sites/hq/flows/main', flow)).status).toBe(200);
    const draftDiff = (await api('GET', '/api/v1/sites/hq/diff?from=1&to=draft')).json.changes;
    expect(draftDiff.map((c: { path: string }) => c.path)).toContain('flows.main.nodes.menu.menu.choices');

    const v2 = await api('POST', '/api/v1/sites/hq/versions');
    expect(v2.json.version).toBe('2');
    // Staged: only hq gets it; branch stays on v1.
    const rollout = await api('POST', '/api/v1/rollouts', { targets: [{ siteId: 'hq', version: '2' }] });
    expect(rollout.json.results).toEqual([{ siteId: 'hq', version: '2', ok: true }]);
    await appliedInApi('hq', '2');
    expect(branch.agent.store.version).toBe(1n);

    const rb = await api('POST', '/api/v1/sites/hq/rollback', { version: 1 });
    expect(rb.json).toEqual({ siteId: 'hq', version: '3', ok: true });
    await appliedInApi('hq', '3');
    expect(hq.agent.store.current()?.flows[0]?.nodes.find((n) => n.id === 'menu')?.kind.value).toMatchObject({
      choices: [
        { digit: '1', nodeId: 'to-sales' },
        { digit: '2', nodeId: 'to-support' },
      ],
    });
    expect((await api('GET', '/api/v1/sites/hq/diff?from=1&to=3')).json.changes).toEqual([]);
    expect((await api('GET', '/api/v1/sites/hq/diff?from=1&to=draft')).json.changes).toEqual([]);
    const versions = (await api('GET', '/api/v1/sites/hq/versions')).json.versions;
    expect(versions[0]).toMatchObject({ version: '3', restoredFrom: '1' });
  });

  it('refuses a draft that does not validate, naming the field', async () => {
    const q = (await api('GET', '/api/v1/sites/branch/queues/branch')).json;
    const bad = await api('PUT', '/api/v1/sites/branch/queues/branch', { ...q, ringTimeoutSeconds: 'soon' });
    expect(bad.status).toBe(422);
    expect(bad.json.problems).toEqual([{ field: 'ringTimeoutSeconds', problem: 'expected an integer' }]);
    await api('PUT', '/api/v1/sites/branch/dids/did-branch', {
      id: 'did-branch',
      number: '+15550200',
      queueId: 'nope',
    });
    const pub = await api('POST', '/api/v1/sites/branch/versions');
    expect(pub.status).toBe(422);
    expect(pub.json.problems).toContainEqual({
      field: 'dids.did-branch.queue_id',
      problem: 'DANGLING_REFERENCE',
    });
    await api('PUT', '/api/v1/sites/branch/dids/did-branch', {
      id: 'did-branch',
      number: '+15550200',
      queueId: 'branch',
    });
  });

  it('rejects a tampered, an unsigned, an older and an invalid signed bundle, and reports each', async () => {
    // Whoever holds the site's hub account can write its bucket (a rogue site, or a bug): the edge
    // must not trust the bytes. Write straight into the site account's bucket.
    const account = await withTenant(h.cp.api.db, 'acme', (tx) => siteAccountOf(tx, 'branch'));
    const nc = await h.cp.authority.connectSite(account!);
    const kv = await openSiteConfigBucket(nc);
    const current = decodeBundle((await kv.get(names.configKey('branch')))!.value);
    expect(current.version).toBe(1n);
    const rejected = async (bytes: Uint8Array, reason: string, version: string) => {
      await kv.put(names.configKey('branch'), bytes);
      await waitFor(
        `branch reports ${reason}`,
        async () => {
          const s = (await siteStatus('branch')).status;
          return s.rejected?.reason === reason && s.rejected.version === version;
        },
        20_000,
        100,
      );
      expect(branch.agent.store.version).toBe(1n);
    };
    const tampered = create(ConfigBundleSchema, { ...current, version: 10n });
    await rejected(encodeBundle(tampered), 'BAD_SIGNATURE', '10');
    const unsigned = create(ConfigBundleSchema, {
      ...current,
      version: 11n,
      signature: new Uint8Array(0),
      signingKeyId: '',
    });
    await rejected(encodeBundle(unsigned), 'UNKNOWN_SIGNING_KEY', '11');
    // Genuinely signed, newer, but invalid: a DID pointing at a queue the bundle lacks.
    const invalid = clone(ConfigBundleSchema, current);
    invalid.version = 12n;
    invalid.dids[0]!.target = { case: 'queueId', value: 'ghost' };
    invalid.signature = signBytes(h.keys.privateKeyPem, bundleSigningBytes(invalid));
    await rejected(encodeBundle(invalid), 'DANGLING_REFERENCE', '12');
    // Publish v2 for branch, then replay v1 (a genuine but older bundle).
    const pub = await api('POST', '/api/v1/publish', { siteIds: ['branch'] });
    expect(pub.json.results[0]).toMatchObject({ version: '2', ok: true });
    await waitFor('branch runs v2', async () => branch.agent.store.version === 2n, 20_000, 50);
    await kv.put(names.configKey('branch'), encodeBundle(current));
    await waitFor(
      'branch reports STALE_VERSION',
      async () => (await siteStatus('branch')).status.rejected?.reason === 'STALE_VERSION',
      20_000,
      100,
    );
    expect(branch.agent.store.version).toBe(2n);
    await nc.close();
  });

  it('an edge restarted while the hub is down boots from its mirror, then converges when the hub returns', async () => {
    const before = hq.agent.store.version;
    await hq.agent.stop();
    await h.hub.stop();
    await hq.leaf.stop();
    await hq.leaf.start();
    // A fresh edge database: the config can only come from the leaf's mirror (the hub is down).
    const agent = await hq.restartAgent(true);
    await waitFor('hq boots from its mirror', async () => agent.store.version === before, 20_000, 50);

    await h.hub.start();
    const pub = await waitFor(
      'publish after the hub returns',
      async () => {
        const r = await api('POST', '/api/v1/publish', { siteIds: ['hq'] });
        return r.json.results?.[0]?.ok ? r.json.results[0] : undefined;
      },
      30_000,
      500,
    );
    await waitFor('hq converges', async () => agent.store.version === BigInt(pub.version), 30_000, 100);
    await appliedInApi('hq', pub.version);
  });
});
