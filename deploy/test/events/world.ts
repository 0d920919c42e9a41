import {
  connectionTransport,
  ensureHubEventsStream,
  ensureIngestConsumer,
  ensureSiteHubEventsStream,
  type HubAuthority,
  IngestWorker,
  LiveSnapshots,
  migrateAnalytics,
  type SiteAccount,
  staticSiteDirectory,
  WatermarkService,
} from '@hcc/cloud';
import {
  CallerPseudonymizer,
  DEFAULT_EVENT_BATCHING,
  EDGE_MIGRATIONS,
  type EventsPipeline,
  ensureEdgeEventsStream,
  startEventsPipeline,
} from '@hcc/edge';
import { type Database, names, openDatabase, silentLogger } from '@hcc/shared';
import {
  createTestDatabase,
  startTestLeaf,
  type TestHub,
  type TestNatsServer,
  waitFor,
} from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { startOperatorHub } from '../operator-hub.ts';

export const TENANT = 'acme';
export const TEST_KEY = new Uint8Array(32).fill(7);
export const pseudonymizer = new CallerPseudonymizer(TEST_KEY, { countryCode: '1', nationalPrefix: '1' });

export interface EdgeNode {
  site: string;
  dbUrl: string;
  db: Database;
  nc: NatsConnection;
  pipeline: EventsPipeline;
}

/**
 * The events flow with real parts: an operator-mode hub with one account per site, a leaf per site,
 * an edge database (PostgreSQL) and events pipeline per site, the cloud's analytics database,
 * ingest workers, watermark service and live snapshots service. `leafHubUrl` lets a test put a proxy on the leaf link.
 */
export class EventsWorld {
  hub!: TestHub;
  authority!: HubAuthority;
  cloudNc!: NatsConnection;
  cloudDb!: Database;
  readonly accounts: Record<string, SiteAccount> = {};
  readonly leaves: Record<string, TestNatsServer> = {};
  readonly edges: Record<string, EdgeNode> = {};
  readonly edgeDbUrls: Record<string, string> = {};
  workers: IngestWorker[] = [];
  watermarks!: WatermarkService;
  /** The cloud's live snapshots service (queue snapshots published by the edges, for the wallboard). */
  live!: LiveSnapshots;
  private readonly drops: (() => Promise<void>)[] = [];

  constructor(
    readonly sites: string[],
    private readonly pgUrl: string,
    private readonly opts: {
      workers?: number;
      leafHubUrl?: (hub: TestHub) => Promise<string>;
      resendAfterMs?: number;
    } = {},
  ) {}

  async start(): Promise<void> {
    ({ hub: this.hub, authority: this.authority } = await startOperatorHub());
    for (const site of this.sites) {
      this.accounts[site] = this.authority.newSiteAccount(site);
      await this.authority.pushSiteAccount(this.accounts[site]);
    }
    await this.authority.pushCloudAccount(Object.values(this.accounts));
    const leafTarget = this.opts.leafHubUrl ? await this.opts.leafHubUrl(this.hub) : this.hub.leafUrl;
    for (const site of this.sites) {
      const creds = (await this.authority.leafCredentials(this.accounts[site]!)).creds;
      this.leaves[site] = await startTestLeaf(site, { ...this.hub, leafUrl: leafTarget }, { creds });
    }
    this.cloudNc = await this.authority.connectCloud('test-cloud');
    for (const site of this.sites) {
      const nc = await this.authority.connectSite(this.accounts[site]!);
      await ensureSiteHubEventsStream(await jetstreamManager(nc), site);
      await nc.close();
    }
    await ensureHubEventsStream(await jetstreamManager(this.cloudNc), this.sites);
    await ensureIngestConsumer(await jetstreamManager(this.cloudNc));

    const cloud = await createTestDatabase(this.pgUrl, 'cloud');
    this.drops.push(cloud.drop);
    this.cloudDb = await openDatabase({ url: cloud.url });
    await migrateAnalytics(this.cloudDb);
    for (const site of this.sites) {
      const d = await createTestDatabase(this.pgUrl, `edge_${site.replace(/-/g, '_')}`);
      this.drops.push(d.drop);
      this.edgeDbUrls[site] = d.url;
      const db = await openDatabase({ url: d.url });
      await db.migrate(EDGE_MIGRATIONS);
      await db.close();
    }
    await this.startCloud();
  }

  async startCloud(): Promise<void> {
    const dir = staticSiteDirectory(Object.fromEntries(this.sites.map((s) => [s, TENANT])));
    this.workers = [];
    for (let i = 0; i < (this.opts.workers ?? 2); i++) {
      const w = new IngestWorker(this.cloudDb.db, this.cloudNc, dir, { lateAfterMs: 60_000 }, silentLogger);
      await w.start();
      this.workers.push(w);
    }
    this.watermarks = new WatermarkService(
      this.cloudDb.db,
      connectionTransport(this.cloudNc),
      { periodMs: 300 },
      silentLogger,
    );
    this.watermarks.start();
    this.live = new LiveSnapshots({ db: this.cloudDb.db, nc: this.cloudNc, sites: dir, log: silentLogger });
    this.live.start();
  }

  async stopCloud(): Promise<void> {
    await this.live?.stop();
    await this.watermarks?.stop();
    await Promise.all(this.workers.map((w) => w.stop()));
    this.workers = [];
  }

  /**
   * Starts the in-process edge events pipeline of `site` on its leaf and database, batching as the
   * edge service does by default (`batchMax: 1`: one event per message, as an edge before batching).
   */
  async startEdge(
    site: string,
    batching: { batchMax?: number; batchLingerMs?: number } = DEFAULT_EVENT_BATCHING,
  ): Promise<EdgeNode> {
    const leaf = this.leaves[site]!;
    const nc = await connect({ servers: leaf.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    await waitFor('edge stream', async () => {
      await ensureEdgeEventsStream(await jetstreamManager(nc), site);
      return true;
    });
    const db = await openDatabase({ url: this.edgeDbUrls[site]! });
    const pipeline = await startEventsPipeline(
      db.db,
      nc,
      {
        siteId: site,
        tenantId: () => TENANT,
        configVersion: () => 1n,
        resendAfterMs: this.opts.resendAfterMs ?? 5000,
        retryMs: 200,
        ...batching,
      },
      silentLogger,
    );
    const node = { site, dbUrl: this.edgeDbUrls[site]!, db, nc, pipeline };
    this.edges[site] = node;
    return node;
  }

  async stopEdge(site: string): Promise<void> {
    const e = this.edges[site];
    if (!e) return;
    await e.pipeline.stop();
    await e.nc.close().catch(() => {});
    await e.db.close();
    delete this.edges[site];
  }

  async cloudScalar(query: ReturnType<typeof sql>): Promise<number> {
    const res = (await this.cloudDb.db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
    return Number(Object.values(res.rows[0] ?? {})[0] ?? 0);
  }

  async outboxRows(site: string): Promise<number> {
    const db = await openDatabase({ url: this.edgeDbUrls[site]! });
    try {
      const res = (await db.db.execute(sql`select count(*) as n from event_outbox`)) as unknown as {
        rows: { n: string }[];
      };
      return Number(res.rows[0]!.n);
    } finally {
      await db.close();
    }
  }

  async stop(): Promise<void> {
    for (const s of Object.keys(this.edges)) await this.stopEdge(s).catch(() => {});
    await this.stopCloud().catch(() => {});
    await this.cloudNc?.close().catch(() => {});
    await this.cloudDb?.close().catch(() => {});
    for (const l of Object.values(this.leaves)) await l.dispose();
    await this.hub?.dispose();
    for (const d of this.drops) await d().catch(() => {});
  }
}

export { names };
