import {
  ensureHubEventsStream,
  ensureSiteHubEventsStream,
  HUB_EVENTS_DUPLICATE_WINDOW_MS,
  type HubAuthority,
  openSiteConfigBucket,
  type SiteAccount,
} from '@hcc/cloud';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from '@hcc/edge';
import { names } from '@hcc/shared';
import { startTestLeaf, type TestHub, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperatorHub } from './operator-hub.ts';

// The production topology with real nats-server processes: an operator-mode hub (domain `cloud`)
// with one account per site created at runtime, and two leaves (domains `hq` and `branch`) that
// connect with their site's leaf credentials. Events go up leaf stream -> site hub stream ->
// cloud aggregate stream; config goes down through a filtered cross-domain KV mirror.
describe('operator-mode hub and leaf topology', () => {
  let hub: TestHub;
  let hq: TestNatsServer;
  let branch: TestNatsServer;
  let authority: HubAuthority;
  const accounts: Record<string, SiteAccount> = {};
  const conns: NatsConnection[] = [];
  const dial = async (url: string) => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    conns.push(nc);
    return nc;
  };

  beforeAll(async () => {
    ({ hub, authority } = await startOperatorHub());
    for (const site of ['hq', 'branch']) {
      accounts[site] = authority.newSiteAccount(site);
      await authority.pushSiteAccount(accounts[site]);
    }
    await authority.pushCloudAccount(Object.values(accounts));
    hq = await startTestLeaf('hq', hub, { creds: (await authority.leafCredentials(accounts.hq!)).creds });
    branch = await startTestLeaf('branch', hub, {
      creds: (await authority.leafCredentials(accounts.branch!)).creds,
    });
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    await Promise.all([hq?.dispose(), branch?.dispose()]);
    await hub?.dispose();
  });

  const aggregateCount = async (nc: NatsConnection) =>
    (await (await jetstreamManager(nc)).streams.info(names.HUB_EVENTS_STREAM)).state.messages;

  it('carries events up and config down per site account, and survives a leaf restart with the hub down', async () => {
    const cloudNc = await authority.connectCloud('test-cloud');
    conns.push(cloudNc);
    const hqNc = await dial(hq.url);
    const branchNc = await dial(branch.url);

    const siteKv: Record<string, Awaited<ReturnType<typeof openSiteConfigBucket>>> = {};
    for (const site of ['hq', 'branch']) {
      const nc = await authority.connectSite(accounts[site]!);
      conns.push(nc);
      siteKv[site] = await openSiteConfigBucket(nc);
      await ensureSiteHubEventsStream(await jetstreamManager(nc), site);
    }
    await ensureHubEventsStream(await jetstreamManager(cloudNc), ['hq', 'branch']);
    // The hub's streams keep a short duplicate window (ingest is idempotent); an aggregate made by an
    // earlier version with the 2-minute window gets the short one on the next ensure.
    const cjsm = await jetstreamManager(cloudNc);
    const windowOf = async (name: string) => (await cjsm.streams.info(name)).config.duplicate_window;
    const hubWindow = HUB_EVENTS_DUPLICATE_WINDOW_MS * 1_000_000;
    const old = (await cjsm.streams.info(names.HUB_EVENTS_STREAM)).config;
    await cjsm.streams.update(names.HUB_EVENTS_STREAM, { ...old, duplicate_window: 120_000 * 1_000_000 });
    expect(await windowOf(names.HUB_EVENTS_STREAM)).toBe(120_000 * 1_000_000);
    await ensureHubEventsStream(cjsm, ['hq', 'branch']);
    expect(await windowOf(names.HUB_EVENTS_STREAM)).toBe(hubWindow);
    const hqSiteNc = await authority.connectSite(accounts.hq!);
    conns.push(hqSiteNc);
    const hqSiteJsm = await jetstreamManager(hqSiteNc);
    expect((await hqSiteJsm.streams.info(names.siteHubEventsStream('hq'))).config.duplicate_window).toBe(
      hubWindow,
    );

    await waitFor('leaf streams', async () => {
      await ensureEdgeEventsStream(await jetstreamManager(hqNc), 'hq');
      await ensureEdgeEventsStream(await jetstreamManager(branchNc), 'branch');
      return true;
    });
    const hqCfg = await waitFor('hq config mirror', () => openEdgeConfigMirror(hqNc, 'hq'));
    const branchCfg = await waitFor('branch config mirror', () => openEdgeConfigMirror(branchNc, 'branch'));

    const ack = await jetstream(hqNc).publish(names.eventSubject('hq', 'test'), 'e1', { msgID: 'e1' });
    expect(ack.domain).toBe('hq');
    await jetstream(branchNc).publish(names.eventSubject('branch', 'test'), 'e2', { msgID: 'e2' });
    await waitFor('both events in the aggregate', async () => (await aggregateCount(cloudNc)) === 2, 20_000);
    const jsm = await jetstreamManager(cloudNc);
    const sources = new Set<string | undefined>();
    for (const seq of [1, 2]) {
      const m = await jsm.streams.getMessage(names.HUB_EVENTS_STREAM, { seq });
      if (!m) throw new Error(`aggregate stream has no message ${seq}`);
      const site = names.siteOfStreamSource(m.header.get('Nats-Stream-Source'));
      expect(names.siteOfEventSubject(m.subject)).toBe(site);
      sources.add(site);
    }
    expect(sources).toEqual(new Set(['hq', 'branch']));

    await siteKv.hq!.put('hq', 'hq-v1');
    await siteKv.branch!.put('branch', 'branch-v1');
    await waitFor('hq mirror', async () => (await hqCfg.get('hq'))?.string() === 'hq-v1');
    await waitFor('branch mirror', async () => (await branchCfg.get('branch'))?.string() === 'branch-v1');

    // WAN outage: hub down, the hq leaf restarts; config is still there, events still journal.
    await hub.stop();
    await hq.stop();
    await hq.start();
    const hqNc2 = await dial(hq.url);
    const hqCfg2 = await waitFor('mirror reopened with the hub down', () =>
      openEdgeConfigMirror(hqNc2, 'hq'),
    );
    expect((await hqCfg2.get('hq'))?.string()).toBe('hq-v1');
    const offline = await jetstream(hqNc2).publish(names.eventSubject('hq', 'test'), 'e3', { msgID: 'e3' });
    expect(offline.seq).toBe(2);

    await hub.start();
    // Site connections are short-lived and do not reconnect: the cloud dials again.
    await waitFor(
      'config put after the hub returns',
      async () => {
        const nc = await authority.connectSite(accounts.hq!);
        conns.push(nc);
        return (await (await openSiteConfigBucket(nc)).put('hq', 'hq-v2')) > 0;
      },
      30_000,
    );
    await waitFor(
      'offline event in the aggregate',
      async () => (await aggregateCount(cloudNc)) === 3,
      30_000,
    );
    await waitFor(
      'new config in the restarted mirror',
      async () => (await hqCfg2.get('hq'))?.string() === 'hq-v2',
      30_000,
    );
  });
});
