import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ensureEdgeEventsStream } from '@hcc/edge';
import {
  EdgeHeartbeatSchema,
  type Event,
  EventSchema,
  encodeEvent,
  SipProtectionSchema,
  TrunkHealthSchema,
  TrunkState,
  TrunkStatusChangedSchema,
  TrunkStatusReason,
} from '@hcc/proto';
import { names, uuid7 } from '@hcc/shared';
import { startTestLeaf, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoHqBundle } from '../src/demo/bundles.ts';
import { type Client, type CloudHarness, client, startCloudHarness } from './harness.ts';
import { EventFactory } from './ingest-builders.ts';

// The site view shows each site's events flow to central ops: the edge's outbox backlog (from its
// heartbeats), the seq the cloud has ingested (its watermark) and the messages it parked. The test
// plays hq's edge by hand on a real leaf (enrolled through the API), with ingest and the watermark
// service running as in main.ts; another tenant must not see any of it.
describe('site view: events flow per site', () => {
  let h: CloudHarness;
  let acme: Client;
  let globex: Client;
  type Login = { email: string; password: string };
  let acmeLogin: Login;
  let globexLogin: Login;
  let leaf: TestNatsServer;
  let nc: NatsConnection;
  const hq = new EventFactory('acme', 'hq');

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    // Ingest starts as main.ts starts it, before any site exists (a fresh install): it must not
    // hold up the cloud, and its workers start once the first enrollment creates the aggregate.
    await h.startIngest();
    const a = await h.tenant('acme');
    const g = await h.tenant('globex');
    ({ api: acme } = a);
    ({ api: globex } = g);
    acmeLogin = { email: a.email, password: a.password };
    globexLogin = { email: g.email, password: g.password };
    await h.site(acme, demoHqBundle());
    const other = demoHqBundle();
    other.siteId = 'gx-main';
    other.tenantId = 'globex';
    await h.site(globex, other);
    const grant = await acme('POST', '/api/v1/sites/hq/enroll');
    expect(grant.status).toBe(200);
    leaf = await startTestLeaf('hq', h.hub, { creds: grant.json.leafCredentials });
    nc = await connect({ servers: leaf.url });
    await waitFor('hq events stream in the leaf', async () => {
      await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
      return true;
    });
  });
  afterAll(async () => {
    await nc?.close().catch(() => {});
    await leaf?.dispose();
    await h?.stop();
  });

  /** Publishes to hq's leaf stream as the edge does (subject per kind, message id = event id). */
  const publish = async (data: Uint8Array, kind: string, msgID = uuid7()) => {
    await jetstream(nc).publish(names.eventSubject('hq', kind), data, { msgID, timeout: 5000 });
  };
  const send = (e: Event) => publish(encodeEvent(e), names.eventKind(e.body.case ?? 'none'), e.eventId);
  const heartbeat = (seq: bigint, at: number, outboxBacklog: bigint, activeCalls = 3) =>
    create(EventSchema, {
      eventId: uuid7(at),
      tenantId: 'acme',
      siteId: 'hq',
      seq,
      occurredAt: timestampFromMs(at),
      configVersion: 0n,
      body: {
        case: 'edgeHeartbeat',
        value: create(EdgeHeartbeatSchema, {
          nodeId: 'edge-hq',
          activeCalls,
          rtpengineHealthy: true,
          natsConnected: true,
          outboxBacklog,
          version: '0.1.0',
          sipProtection: create(SipProtectionSchema, {
            bannedAddresses: 2,
            dropped: 300n,
            rateLimited: 1n,
            overloaded: 0n,
            authFailures: 36n,
            registrationsCapped: 1n,
            dialRefused: 4n,
          }),
          trunkHealth: [
            create(TrunkHealthSchema, {
              trunkId: 'carrier-a',
              state: TrunkState.UP,
              rttMs: 12,
              lastChange: timestampFromMs(at - 5000),
            }),
            create(TrunkHealthSchema, {
              trunkId: 'carrier-b',
              state: TrunkState.DOWN,
              lastChange: timestampFromMs(at - 2000),
              failures: 3n,
            }),
          ],
        }),
      },
    });
  const view = async (api: Client, site: string) => (await api('GET', `/api/v1/sites/${site}`)).json;
  /** A console page (cookie session, as the browser sends it). */
  const consolePage = async (login: Login, path = '/', status = 200) => {
    const token = (await client(h.url)('POST', '/api/v1/auth/login', login)).json.token as string;
    const res = await fetch(`${h.url}${path}`, { headers: { cookie: `hcc_session=${token}` } });
    expect(res.status).toBe(status);
    return res.text();
  };
  /** The events cell of a row (`data-site="hq"` in the sites table, `id="site-status"` on a site's page). */
  const eventsCell = (page: string, row: string) =>
    new RegExp(`<tr ${row}>.*?<td data-col="events"[^>]*>(.*?)</td>`, 's').exec(page)?.[1];

  it('shows the newest heartbeat (backlog, calls); an older heartbeat arriving later does not replace it', async () => {
    // seq 1-3: ordinary events (the factory numbers them), then heartbeats 4 and 5.
    for (let i = 0; i < 3; i++)
      await send(hq.ended(Date.now() - 10_000 + i, { queueId: 'sales', waitMs: 1 }));
    const now = Date.now();
    await send(heartbeat(4n, now, 42n));
    await waitFor(
      'hq shows backlog 42',
      async () => (await view(acme, 'hq')).events.outboxBacklog === 42,
      20_000,
      100,
    );
    const before = await view(acme, 'hq');
    expect(before.status.lastHeartbeatAt).toBe(new Date(now).toISOString());
    expect(before.status.activeCalls).toBe(3);

    // seq 5: a heartbeat a minute older (a late redelivery) with another backlog.
    const seen = h.cp.fleet.stats.heartbeats;
    await send(heartbeat(5n, now - 60_000, 7n, 9));
    await waitFor(
      'the fleet consumer takes the older heartbeat',
      async () => h.cp.fleet.stats.heartbeats > seen,
    );
    // Acked only after its transaction committed: then its effect (if any) is visible.
    const jsm = await jetstreamManager(h.cp.nc);
    await waitFor('the fleet consumer acked it', async () => {
      const ci = await jsm.consumers.info(
        names.HUB_EVENTS_STREAM,
        `fleet_${names.eventKind('edgeHeartbeat')}`,
      );
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    });
    const after = await view(acme, 'hq');
    expect(after.events.outboxBacklog).toBe(42);
    expect(after.status.activeCalls).toBe(3);
    expect(after.status.lastHeartbeatAt).toBe(new Date(now).toISOString());
    // The list shows the same figures.
    const listed = (await acme('GET', '/api/v1/sites')).json.sites.find((s: { id: string }) => s.id === 'hq');
    expect(listed.events.outboxBacklog).toBe(42);
    // The edge's SIP front door, in the API and on the console's site page.
    expect(after.status.sipProtection).toEqual({
      bannedAddresses: 2,
      dropped: 300,
      rateLimited: 1,
      overloaded: 0,
      authFailures: 36,
      registrationsCapped: 1,
      dialRefused: 4,
    });
    const page = await consolePage(acmeLogin, '/sites/hq');
    const row = /<table id="sip-protection">.*?<\/tr>\s*<tr>(.*?)<\/tr>/s.exec(page)?.[1] ?? '';
    expect([...row.matchAll(/<td[^>]*>(\d+)<\/td>/g)].map((m) => m[1])).toEqual([
      '2',
      '300',
      '1',
      '0',
      '36',
      '1',
      '4',
    ]);
    // The trunks as the edge's OPTIONS pings see them, in the API and on the site's page.
    expect(after.status.trunkHealth).toEqual([
      {
        trunkId: 'carrier-a',
        state: 'up',
        rttMs: 12,
        lastChange: new Date(now - 5000).toISOString(),
        failures: 0,
      },
      {
        trunkId: 'carrier-b',
        state: 'down',
        rttMs: null,
        lastChange: new Date(now - 2000).toISOString(),
        failures: 3,
      },
    ]);
    const trunks = [...page.matchAll(/<tr data-trunk="([^"]+)">.*?<td data-col="state"[^>]*>(\w+)<\/td>/gs)];
    expect(trunks.map((m) => [m[1], m[2]])).toEqual([
      ['carrier-a', 'up'],
      ['carrier-b', 'down'],
    ]);
  });

  it("shows the seq the cloud has ingested and counts the site's parked messages", async () => {
    // Seqs 1-5 were all delivered: the watermark service advances hq to 5.
    await waitFor(
      'hq ingested to seq 5',
      async () => (await view(acme, 'hq')).events.ingestedSeq === '5',
      20_000,
      100,
    );
    const ingested = (await view(acme, 'hq')).events;
    expect(ingested.parked).toBe(0);
    expect(Date.now() - Date.parse(ingested.ingestedAt)).toBeLessThan(60_000);

    // Garbage, and an envelope naming another site, both from hq's stream: parked as hq's.
    await publish(new Uint8Array([0xff, 0xff, 0xff]), 'interaction');
    await send(
      create(EventSchema, { ...hq.ended(Date.now(), { queueId: 'sales', waitMs: 1 }), siteId: 'gx-main' }),
    );
    await waitFor('two parked for hq', async () => (await view(acme, 'hq')).events.parked === 2, 20_000, 100);
    // Neither fills a place in hq's seq run: the watermark stays.
    const ev = (await view(acme, 'hq')).events;
    expect(ev).toMatchObject({ outboxBacklog: 42, ingestedSeq: '5', parked: 2 });

    // The console's sites table and the site's page show the same (parked marked as a problem).
    const cell = '42 waiting, ingested to 5, <span class="bad">2 parked</span>';
    expect(eventsCell(await consolePage(acmeLogin), 'data-site="hq"')).toBe(cell);
    expect(eventsCell(await consolePage(acmeLogin, '/sites/hq'), 'id="site-status"')).toBe(cell);
  });

  it("keeps another tenant's caller away from these figures", async () => {
    expect((await globex('GET', '/api/v1/sites/hq')).status).toBe(404);
    const sites = (await globex('GET', '/api/v1/sites')).json.sites;
    expect(sites.map((s: { id: string }) => s.id)).toEqual(['gx-main']);
    // hq's parked message named gx-main in its envelope: it is still hq's, not globex's.
    expect(sites[0].events).toEqual({ outboxBacklog: null, ingestedSeq: null, ingestedAt: null, parked: 0 });
    const page = await consolePage(globexLogin);
    expect(page).not.toContain('data-site="hq"');
    expect(await consolePage(globexLogin, '/sites/hq', 404)).not.toContain('data-col="events"');
    expect(eventsCell(page, 'data-site="gx-main"')).toBe('- waiting, ingested to -, 0 parked');
  });

  it('takes a TrunkStatusChanged event (ingested, not parked) and shows the change at once', async () => {
    const at = Date.now();
    await send(
      create(EventSchema, {
        eventId: uuid7(at),
        tenantId: 'acme',
        siteId: 'hq',
        seq: 6n,
        occurredAt: timestampFromMs(at),
        configVersion: 1n,
        body: {
          case: 'trunkStatusChanged',
          value: create(TrunkStatusChangedSchema, {
            trunkId: 'carrier-a',
            state: TrunkState.DOWN,
            previousState: TrunkState.UP,
            reason: TrunkStatusReason.TIMEOUT,
            consecutive: 3,
          }),
        },
      }),
    );
    await waitFor(
      'carrier-a down in the site view',
      async () => (await view(acme, 'hq')).status.trunkHealth[0]?.state === 'down',
      20_000,
      100,
    );
    const v = await view(acme, 'hq');
    expect(v.status.trunkHealth[0]).toMatchObject({
      trunkId: 'carrier-a',
      lastChange: new Date(at).toISOString(),
    });
    expect(v.status.trunkHealth[1]).toMatchObject({ trunkId: 'carrier-b', state: 'down' });
    // Ingest stores it like any other event: the watermark moves past it, nothing more is parked.
    await waitFor(
      'hq ingested to seq 6',
      async () => (await view(acme, 'hq')).events.ingestedSeq === '6',
      20_000,
      100,
    );
    expect((await view(acme, 'hq')).events.parked).toBe(2);
  });
});
