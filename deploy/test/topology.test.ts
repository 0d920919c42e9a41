import { ensureHubEventsStream, openHubConfigBucket } from '@hcc/cloud';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from '@hcc/edge';
import { names } from '@hcc/shared';
import { startTestHub, startTestLeaf, type TestHub, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The topology of the architecture, with real nats-server processes: a hub (domain `cloud`) and two
// leaves (domains `hq` and `branch`). Events go up through each leaf's stream into the hub's
// aggregate stream; config goes down through a filtered cross-domain KV mirror.
describe('NATS hub and leaf topology', () => {
  let hub: TestHub;
  let hq: TestNatsServer;
  let branch: TestNatsServer;
  const conns: NatsConnection[] = [];
  const dial = async (url: string) => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    conns.push(nc);
    return nc;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    hq = await startTestLeaf('hq', hub);
    branch = await startTestLeaf('branch', hub);
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    await Promise.all([hq?.dispose(), branch?.dispose()]);
    await hub?.dispose();
  });

  const hubCount = async (nc: NatsConnection) =>
    (await (await jetstreamManager(nc)).streams.info(names.HUB_EVENTS_STREAM)).state.messages;

  it('carries events up, config down, and survives a leaf restart while the hub is down', async () => {
    const hubNc = await dial(hub.url);
    const hubJsm = await jetstreamManager(hubNc);
    const hqNc = await dial(hq.url);
    const branchNc = await dial(branch.url);

    // Leaf streams and mirrors are created by the edges; the hub stream by the cloud.
    await waitFor('leaf connections to the hub', async () => {
      await ensureEdgeEventsStream(await jetstreamManager(hqNc), 'hq');
      await ensureEdgeEventsStream(await jetstreamManager(branchNc), 'branch');
      return true;
    });
    const cfg = await openHubConfigBucket(hubNc);
    await ensureHubEventsStream(hubJsm, ['hq', 'branch']);
    const hqCfg = await waitFor('hq config mirror', () => openEdgeConfigMirror(hqNc, 'hq'));
    const branchCfg = await waitFor('branch config mirror', () => openEdgeConfigMirror(branchNc, 'branch'));

    // Events up: published at the edge, stored in the leaf's stream, sourced into the hub's.
    const hqJs = jetstream(hqNc);
    const ack = await hqJs.publish(names.eventSubject('hq', 'test'), 'e1', { msgID: 'e1' });
    expect(ack.stream).toBe(names.EDGE_EVENTS_STREAM);
    expect(ack.domain).toBe('hq');
    await jetstream(branchNc).publish(names.eventSubject('branch', 'test'), 'e2', { msgID: 'e2' });
    await waitFor('both events in the hub', async () => (await hubCount(hubNc)) === 2, 20_000);
    const hubMsg = await hubJsm.streams.getMessage(names.HUB_EVENTS_STREAM, { seq: 1 });
    expect(hubMsg.subject.startsWith('hcc.evt.')).toBe(true);

    // Config down: each edge sees its own key only.
    await cfg.put('hq', 'hq-v1');
    await cfg.put('branch', 'branch-v1');
    await waitFor('hq mirror', async () => (await hqCfg.get('hq'))?.string() === 'hq-v1');
    await waitFor('branch mirror', async () => (await branchCfg.get('branch'))?.string() === 'branch-v1');
    expect(await hqCfg.get('branch')).toBeNull();

    // WAN outage: hub down, the hq leaf restarts. The edge still reads its config from the mirror
    // and still journals events locally.
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

    // The hub returns: the offline event arrives, new config arrives, nothing is duplicated.
    await hub.start();
    await cfg.put('hq', 'hq-v2').catch(async () => {
      // The KV client may need its connection back first.
      await waitFor('hub connection', async () => (await cfg.put('hq', 'hq-v2')) > 0, 20_000);
    });
    await waitFor('offline event in the hub', async () => (await hubCount(hubNc)) === 3, 30_000);
    await waitFor(
      'new config in the restarted mirror',
      async () => (await hqCfg2.get('hq'))?.string() === 'hq-v2',
      30_000,
    );
    await jetstream(hqNc2).publish(names.eventSubject('hq', 'test'), 'e3', { msgID: 'e3' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await hubCount(hubNc)).toBe(3);
  });
});
