/**
 * Events pipeline throughput and latency, with the two baselines measured in the same run:
 *
 *   npx tsx cloud/bench/ingest-pipeline.ts [rate events/s] [seconds] [workers]
 *
 * 1. raw JetStream publish into a file stream on the edge's leaf (what `nats bench js pub` does);
 * 2. the pipeline: an edge child process journals into its PostgreSQL outbox at `rate`, the
 *    publisher sends to the leaf stream, the hub sources it (site stream -> cloud aggregate),
 *    `workers` ingest workers write PostgreSQL rows and rollups; latency = event emit time ->
 *    ingest transaction (received_at; + the batch write time for the commit);
 * 3. `psql \copy` of the same rows into an empty copy of analytics.events.
 * Real nats-server (operator mode) and PostgreSQL (the test server: fsync and synchronous_commit off).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EDGE_MIGRATIONS, ensureEdgeEventsStream } from '@hcc/edge';
import { createOperatorMaterial, names, newAccountKey, openDatabase, silentLogger } from '@hcc/shared';
import {
  createTestDatabase,
  startChild,
  startTestHub,
  startTestLeaf,
  startTestPostgres,
  waitFor,
} from '@hcc/shared/testing';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { migrateAnalytics } from '../src/analytics/migrate.ts';
import { SecretBox } from '../src/db/secret-box.ts';
import { staticSiteDirectory } from '../src/ingest/classify.ts';
import { perSiteTransport, WatermarkService } from '../src/ingest/watermark.ts';
import { ensureIngestConsumer, IngestWorker } from '../src/ingest/worker.ts';
import { rowsOf } from '../src/ingest/writer.ts';
import { HubAuthority } from '../src/nats/authority.ts';
import { ensureHubEventsStream, ensureSiteHubEventsStream } from '../src/nats/topology.ts';
import { cpuByRole, cpuReport } from './cpu-accounting.ts';

const RATE = Number(process.argv[2] ?? 20_000);
const SECONDS = Number(process.argv[3] ?? 30);
const WORKERS = Number(process.argv[4] ?? 2);
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const EDGE = fileURLToPath(new URL('./ingest-edge.ts', import.meta.url));
const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

const pgServer = await startTestPostgres();
const material = await createOperatorMaterial();
const hub = await startTestHub('hub', material);
const authority = new HubAuthority(
  { ...material, cloudAccountSeed: newAccountKey().seed },
  hub.url,
  silentLogger,
  SecretBox.generate(),
);
const key = newAccountKey();
const account = {
  site: 'hq',
  publicKey: key.publicKey,
  sealedSeed: authority.sealSeed('hq', key.publicKey, key.seed),
};
await authority.pushSiteAccount(account);
await authority.pushCloudAccount([account]);
const leaf = await startTestLeaf('hq', hub, { creds: (await authority.leafCredentials(account)).creds });
const cloudNc = await authority.connectCloud('bench');
const siteNc = await authority.connectSite(account);
await ensureSiteHubEventsStream(await jetstreamManager(siteNc), 'hq');
await ensureHubEventsStream(await jetstreamManager(cloudNc), ['hq']);
await ensureIngestConsumer(await jetstreamManager(cloudNc));
const cloudDbInfo = await createTestDatabase(pgServer.url, 'cloud');
const cloudDb = await openDatabase({ url: cloudDbInfo.url });
await migrateAnalytics(cloudDb);
const edgeDbInfo = await createTestDatabase(pgServer.url, 'edge');
const edgeDb = await openDatabase({ url: edgeDbInfo.url });
await edgeDb.migrate(EDGE_MIGRATIONS);

// 1. Raw JetStream publish on the leaf, same payload size as an event (~150 bytes).
const leafNc = await connect({ servers: leaf.url });
const ljsm = await jetstreamManager(leafNc);
await waitFor('leaf JetStream', async () => {
  await ljsm.streams.add({
    name: 'BENCH',
    subjects: ['bench.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
  });
  return true;
});
const js = jetstream(leafNc);
const payload = new Uint8Array(150).fill(7);
// BENCH_RAW=0 skips this baseline (e.g. when profiling the pipeline with node --cpu-prof).
const RAW = Number(process.env.BENCH_RAW ?? 200_000);
let t = performance.now();
for (let i = 0; i < RAW; i += 2000) {
  await Promise.all(
    Array.from({ length: Math.min(2000, RAW - i) }, (_, j) =>
      js.publish('bench.x', payload, { msgID: `m${i + j}` }),
    ),
  );
}
const rawRate = RAW / ((performance.now() - t) / 1000);
await ljsm.streams.delete('BENCH');
console.log(`raw JetStream publish (leaf, file, msgID, 2000 in flight): ${Math.round(rawRate)} msg/s`);

// 2. The pipeline.
const batchMs: number[] = [];
const workers: IngestWorker[] = [];
for (let i = 0; i < WORKERS; i++) {
  const w = new IngestWorker(
    cloudDb.db,
    cloudNc,
    staticSiteDirectory({ hq: 'acme' }),
    {
      batchSize: 2000,
      onBatch: (r) => batchMs.push(r.writeMs ?? 0),
    },
    silentLogger,
  );
  await w.start();
  workers.push(w);
}
const wm = new WatermarkService(
  cloudDb.db,
  perSiteTransport(() => authority.connectSite(account)),
  { periodMs: 500 },
  silentLogger,
);
wm.start();
// The leaf's events stream exists before the edge starts, as on a running site: the hub's site
// stream retries a missing source only every few seconds, which would otherwise hold the first
// seconds of events (and the latency percentiles of a short run) for that long.
await ensureEdgeEventsStream(ljsm, 'hq');
const sjsm = await jetstreamManager(siteNc);
await waitFor(
  "hub sources the leaf's events stream",
  async () =>
    (await sjsm.streams.info(names.siteHubEventsStream('hq'))).sources?.some(
      (s) => !s.error && s.active >= 0,
    ) ?? false,
  30_000,
  100,
);
const cpuBefore = cpuByRole();
const edge = startChild({
  name: 'bench-edge',
  // EDGE_PROF=<dir>: CPU profile of the edge process (node --cpu-prof), written when it stops.
  command: process.env.EDGE_PROF ? process.execPath : TSX,
  args: process.env.EDGE_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.EDGE_PROF}`, '--import', 'tsx', EDGE]
    : [EDGE],
  env: {
    ...process.env,
    EDGE_DB_URL: edgeDbInfo.url,
    LEAF_URL: leaf.url,
    RATE: String(RATE),
    SECONDS: String(SECONDS),
  },
});
const ingested = async () =>
  Number(
    rowsOf<{ n: string }>(await cloudDb.db.execute(sql`select count(*) as n from analytics.events`))[0]!.n,
  );
t = performance.now();
// Per stage: sequenced at the edge, acknowledged by the leaf, in the hub's aggregate stream, in PostgreSQL.
const samples: [number, number][] = [];
const stages: string[] = [];
const cjsm = await jetstreamManager(cloudNc);
const edgeState = async () =>
  rowsOf<{ last: string; published: string }>(
    await edgeDb.db.execute(sql`select last_seq as last, published_seq as published from event_outbox_state`),
  )[0];
let report: { emitted: number; elapsed: number; rate: number } | undefined;
while (!report) {
  await new Promise((r) => setTimeout(r, 1000));
  const [n, st, agg] = await Promise.all([
    ingested(),
    edgeState(),
    cjsm.streams.info(names.HUB_EVENTS_STREAM).then((i) => i.state.messages),
  ]);
  const s = (performance.now() - t) / 1000;
  samples.push([s, n]);
  stages.push(`${s.toFixed(0)}:${st?.last ?? 0}/${st?.published ?? 0}/${agg}/${n}`);
  const line = edge
    .tail()
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (line) report = JSON.parse(line);
  if (edge.process.exitCode !== null) throw new Error(`edge exited: ${edge.tail()}`);
}
await waitFor('all events ingested', async () => (await ingested()) >= report.emitted, 300_000, 200);
const total = (performance.now() - t) / 1000;
const cpuAfter = cpuByRole();
const lat = rowsOf<{ ms: number }>(
  await cloudDb.db.execute(
    sql`select extract(epoch from received_at - occurred_at) * 1000 as ms from analytics.events`,
  ),
)
  .map((r) => Number(r.ms))
  .sort((a, b) => a - b);
batchMs.sort((a, b) => a - b);
console.log(
  `pipeline (edge TX_MODE=${process.env.TX_MODE ?? 'write'}): edge emitted ${report.emitted} events in ${report.elapsed.toFixed(1)} s (${Math.round(report.rate)}/s offered); ` +
    `all in PostgreSQL after ${total.toFixed(1)} s => ${Math.round(report.emitted / total)} events/s sustained end to end`,
);
console.log(
  `  ingest progress (s, rows): ${samples
    .filter((_, i) => i % 5 === 4)
    .map(([s, n]) => `${s.toFixed(0)}:${n}`)
    .join(' ')}`,
);
console.log(`  stages (s:sequenced/leaf-acked/hub aggregate/ingested): ${stages.join(' ')}`);
console.log(
  `  latency emit -> ingest (ms): p50 ${pct(lat, 50).toFixed(0)} p95 ${pct(lat, 95).toFixed(0)} p99 ${pct(lat, 99).toFixed(0)} max ${lat.at(-1)?.toFixed(0)}; ` +
    `batch write (commit) p50 ${pct(batchMs, 50).toFixed(0)} p99 ${pct(batchMs, 99).toFixed(0)} ms over ${batchMs.length} batches`,
);
console.log(`  ${cpuReport(cpuBefore, cpuAfter, report.emitted)}`);
await edge.stop(2000);
await wm.stop();
await Promise.all(workers.map((w) => w.stop()));

// 2b. Ingest capacity alone: a fresh database replays the whole aggregate stream with WORKERS workers.
const replayInfo = await createTestDatabase(pgServer.url, 'replay');
const replayDb = await openDatabase({ url: replayInfo.url });
await migrateAnalytics(replayDb);
await ensureIngestConsumer(await jetstreamManager(cloudNc), 'bench-replay');
let replayed = 0;
t = performance.now();
const replayers: IngestWorker[] = [];
for (let i = 0; i < WORKERS; i++) {
  const w = new IngestWorker(
    replayDb.db,
    cloudNc,
    staticSiteDirectory({ hq: 'acme' }),
    {
      batchSize: 2000,
      consumerName: 'bench-replay',
      onBatch: (r) => {
        replayed += r.inserted;
      },
    },
    silentLogger,
  );
  await w.start();
  replayers.push(w);
}
await waitFor('replay done', async () => replayed >= report.emitted, 300_000, 50);
const replayS = (performance.now() - t) / 1000;
console.log(
  `ingest alone (aggregate stream -> PostgreSQL rows + rollups, ${WORKERS} workers): ${Math.round(report.emitted / replayS)} events/s`,
);
await Promise.all(replayers.map((w) => w.stop()));
await replayDb.close();

// 3. psql \copy of the same rows into an empty copy of the events table.
const dir = mkdtempSync(join(tmpdir(), 'hcc-bench-copy-'));
const file = join(dir, 'events.csv');
const psql = (cmd: string) =>
  execFileSync('psql', [cloudDbInfo.url, '-v', 'ON_ERROR_STOP=1', '-qc', cmd], { stdio: 'pipe' });
psql(
  `\\copy (select event_id, tenant_id, site_id, seq, kind, occurred_at, received_at, payload from analytics.events) to '${file}' csv`,
);
psql('create table analytics.events_copy (like analytics.events including all)');
t = performance.now();
psql(`\\copy analytics.events_copy from '${file}' csv`);
const copyS = (performance.now() - t) / 1000;
console.log(
  `psql \\copy of the same ${report.emitted} rows (with the same indexes): ${Math.round(report.emitted / copyS)} rows/s`,
);
rmSync(dir, { recursive: true, force: true });

await Promise.all([leafNc.close(), cloudNc.close(), siteNc.close()]);
await cloudDb.close();
await edgeDb.close();
await leaf.dispose();
await hub.dispose();
await pgServer.stop();
process.exit(0);
