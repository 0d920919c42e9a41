import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventSchema, encodeEvent } from '@hcc/proto';
import { names } from '@hcc/shared';
import { startTestLeaf, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoBranchBundle, demoHqBundle } from '../src/demo/bundles.ts';
import { type Client, type CloudHarness, startCloudHarness, type TestEdge } from './harness.ts';

// A leaf built by hand with hq's credentials (as someone on the hq site could do) must neither read
// branch's config nor write branch's events: sites are isolated by hub accounts, one per site.
describe('rogue leaf with one site credentials', () => {
  let h: CloudHarness;
  let api: Client;
  let hq: TestEdge;
  let branch: TestEdge;
  const servers: TestNatsServer[] = [];
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    ({ api } = await h.tenant('acme'));
    await h.site(api, demoHqBundle());
    await h.site(api, demoBranchBundle());
    hq = await h.edge(api, 'hq');
    branch = await h.edge(api, 'branch');
    await api('POST', '/api/v1/publish', { siteIds: ['hq', 'branch'] });
    await waitFor(
      'both edges run v1',
      async () => hq.agent.store.version === 1n && branch.agent.store.version === 1n,
      20_000,
    );
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    for (const s of servers) await s.dispose();
    await h?.stop();
  });

  const fakeApplied = (site: string, version: bigint) =>
    encodeEvent(
      create(EventSchema, {
        eventId: `rogue-${site}-${version}`,
        seq: version,
        tenantId: 'acme',
        siteId: site,
        occurredAt: timestampFromDate(new Date()),
        body: { case: 'configApplied', value: { version, previousVersion: 1n } },
      }),
    );

  it("cannot read another site's config", async () => {
    // Claims branch's JetStream domain, connects with hq's leaf credentials.
    const rogue = await startTestLeaf('branch', h.hub, {
      creds: hq.grant.leafCredentials,
      name: 'rogue-as-branch',
    });
    servers.push(rogue);
    const nc = await connect({ servers: rogue.url });
    conns.push(nc);
    // Reach the hub's config bucket across the leaf connection, as the real mirror does.
    const hubKv = await waitFor('hub bucket through the rogue leaf', () =>
      new Kvm(jetstream(nc, { domain: names.CLOUD_DOMAIN })).open(names.CONFIG_BUCKET),
    );
    expect(await hubKv.get('hq')).not.toBeNull(); // it does reach its own account's bucket...
    expect(await hubKv.get('branch')).toBeNull(); // ...which holds no other site's key
    // A mirror of branch's key, built exactly like branch's own, stays empty.
    const mirror = await new Kvm(nc).create('stolen', {
      mirror: {
        name: names.CONFIG_BUCKET,
        filter_subject: names.configKvSubject('branch'),
        external: { api: names.jsApiPrefix(names.CLOUD_DOMAIN), deliver: 'rogue.deliver' },
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await mirror.get('branch')).toBeNull();
    // Writing "branch" into the bucket it can reach changes only hq's account, never branch's edge.
    await hubKv.put('branch', new TextEncoder().encode('evil'));
    await new Promise((r) => setTimeout(r, 1000));
    expect(branch.agent.store.version).toBe(1n);
  });

  it("cannot write another site's events", async () => {
    const before = h.cp.fleet.stats.dropped;
    // 1) As "branch": its stream is sourced by nobody (branch's hub stream lives in branch's account).
    const asBranch = await connect({ servers: servers[0]!.url });
    conns.push(asBranch);
    const jsm = await jetstreamManager(asBranch);
    await jsm.streams.add({ name: names.EDGE_EVENTS_STREAM, subjects: ['hcc.evt.>'] });
    await jetstream(asBranch).publish(
      names.eventSubject('branch', 'config_applied'),
      fakeApplied('branch', 900n),
    );
    // 2) As "hq" (the real hq leaf stopped): sourced into hq's hub stream, so it reaches the
    // aggregate, but attributed to hq by the hub; a branch subject there is dropped.
    await hq.agent.stop();
    await hq.leaf.stop();
    const asHq = await startTestLeaf('hq', h.hub, { creds: hq.grant.leafCredentials, name: 'rogue-as-hq' });
    servers.push(asHq);
    const nc = await connect({ servers: asHq.url });
    conns.push(nc);
    await waitFor('rogue stream', async () => {
      await (await jetstreamManager(nc)).streams.add({
        name: names.EDGE_EVENTS_STREAM,
        subjects: ['hcc.evt.>'],
      });
      return true;
    });
    // The hub's source resumes after the last sequence it took from the real hq stream: publish
    // past it, as an attacker would.
    const js = jetstream(nc);
    // Half of them carry forged Nats-Stream-Source headers naming branch's hub stream (one and
    // three copies): the hub appends its own value, so they must not be attributed to branch.
    const forged = `${names.siteHubEventsStream('branch')} 1 > > ${names.eventSubject('branch', 'config_applied')}`;
    for (let i = 0; i < 400; i++) {
      const h = headers();
      for (let k = 0; k < (i % 4 === 1 ? 1 : i % 4 === 3 ? 3 : 0); k++)
        h.append(names.STREAM_SOURCE_HEADER, forged);
      await js.publish(
        names.eventSubject('branch', 'config_applied'),
        fakeApplied('branch', 901n + BigInt(i)),
        i % 2 === 1 ? { headers: h } : {},
      );
    }
    await waitFor(
      'the forged event reaches the fleet consumer and is dropped',
      async () => h.cp.fleet.stats.dropped > before,
      20_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const status = (await api('GET', '/api/v1/sites/branch')).json.status;
    expect(status.appliedVersion).toBe('1');
  });
});
