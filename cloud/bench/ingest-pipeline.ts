/**
 * Events pipeline throughput and latency, with the two baselines measured in the same run:
 *
 *   npx tsx cloud/bench/ingest-pipeline.ts [rate events/s] [seconds] [workers] [--sites N] [--edge outbox|stream]
 *     [--sink postgres|ack] [--batch N] [--compare] [--pipeline-only]
 *
 * `--batch N`: events per NATS message from each edge (EDGE_EVENTS_BATCH_MAX, default 256; 1 = one
 * Event per message, as before batching). `--compare` runs the pipeline twice in this invocation,
 * one after the other on fresh servers, `--batch 1` then `--batch N`, and prints both and their
 * ratios (hub CPU µs per event, events/s end to end, p99 emit -> ingest). `--pipeline-only` skips
 * the raw JetStream, ingest-alone and `psql \copy` baselines.
 *
 * 1. raw JetStream publish into a file stream on the first site's leaf (what `nats bench js pub` does);
 * 2. the pipeline: per site (default 1), an edge child process with its own leaf nats-server and
 *    site account; with `--edge outbox` (the default) it journals into its PostgreSQL outbox at
 *    rate / sites and the publisher sends to the leaf stream; with `--edge stream` it sends the same
 *    events straight to the leaf stream (no outbox, no edge database: the cloud side fed by many
 *    sites, as deployed, where each edge has a machine of its own). The hub sources every leaf
 *    stream (site stream -> cloud aggregate), `workers` ingest workers write PostgreSQL rows and
 *    rollups; latency = event emit time -> ingest transaction (received_at);
 *    With `--sink ack` the workers only decode each event's time and ack it (no PostgreSQL, no
 *    rollups): what the prescribed NATS path (leaf stream -> site stream -> aggregate -> pull
 *    consumer) carries on this machine by itself, the ceiling of the pipeline (no rows, so the
 *    cloud's watermark stays put: with `--edge outbox` keep runs under the edge's 30 s re-send);
 * 3. `psql \copy` of the same rows into an empty copy of analytics.events.
 * Real nats-server (operator mode) and PostgreSQL (the test server: fsync and synchronous_commit off).
 * CPU is counted from the moment every edge is connected and ready (start-up excluded).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EDGE_MIGRATIONS, ensureEdgeEventsStream } from '@hcc/edge';
import { decodeEvent } from '@hcc/proto';
import { createOperatorMaterial, names, newAccountKey, openDatabase, silentLogger } from '@hcc/shared';
import {
  createTestDatabase,
  type ManagedChild,
  startChild,
  startTestHub,
  startTestLeaf,
  startTestPostgres,
  type TestNatsServer,
  waitFor,
} from '@hcc/shared/testing';
import {
  type ConsumerMessages,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { migrateAnalytics } from '../src/analytics/migrate.ts';
import { SecretBox } from '../src/db/secret-box.ts';
import { staticSiteDirectory } from '../src/ingest/classify.ts';
import { connectionTransport, WatermarkService } from '../src/ingest/watermark.ts';
import { ensureIngestConsumer, IngestWorker } from '../src/ingest/worker.ts';
import { rowsOf } from '../src/ingest/writer.ts';
import { HubAuthority } from '../src/nats/authority.ts';
import { ensureHubEventsStream, ensureSiteHubEventsStream } from '../src/nats/topology.ts';
import { cpuByRole, cpuPerEvent, cpuReport } from './cpu-accounting.ts';

const flags = new Map<string, string>();
const positional: string[] = [];
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a === '--compare' || a === '--pipeline-only') flags.set(a.slice(2), '');
  else if (a.startsWith('--')) flags.set(a.slice(2), process.argv[++i] ?? '');
  else positional.push(a);
}
const RATE = Number(positional[0] ?? 20_000);
const SECONDS = Number(positional[1] ?? 30);
const WORKERS = Number(positional[2] ?? 2);
const SITES = Number(flags.get('sites') ?? 1);
const EDGE_MODE = flags.get('edge') ?? 'outbox';
const SINK = flags.get('sink') ?? 'postgres';
const BATCH = Number(flags.get('batch') ?? 256);
const PIPELINE_ONLY = flags.has('pipeline-only');
if (
  !(SITES >= 1) ||
  !['outbox', 'stream'].includes(EDGE_MODE) ||
  !['postgres', 'ack'].includes(SINK) ||
  !(Number.isInteger(BATCH) && BATCH >= 1)
) {
  console.error(
    'usage: ingest-pipeline.ts [rate] [seconds] [workers] [--sites N] [--edge outbox|stream] [--sink postgres|ack] [--batch N] [--compare] [--pipeline-only]',
  );
  process.exit(2);
}
if (flags.has('compare')) compare();
const SITE_IDS = SITES === 1 ? ['hq'] : Array.from({ length: SITES }, (_, i) => `site${i + 1}`);
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
const accounts = SITE_IDS.map((site) => authority.newSiteAccount(site));
for (const account of accounts) await authority.pushSiteAccount(account);
await authority.pushCloudAccount(accounts);
const leaves: TestNatsServer[] = [];
for (const account of accounts)
  leaves.push(
    await startTestLeaf(account.site, hub, { creds: (await authority.leafCredentials(account)).creds }),
  );
const leaf = leaves[0]!;
const cloudNc = await authority.connectCloud('bench');
const siteNcs = await Promise.all(accounts.map((a) => authority.connectSite(a)));
for (const [i, site] of SITE_IDS.entries())
  await ensureSiteHubEventsStream(await jetstreamManager(siteNcs[i]!), site);
await ensureHubEventsStream(await jetstreamManager(cloudNc), SITE_IDS);
await ensureIngestConsumer(await jetstreamManager(cloudNc));
const cloudDbInfo = await createTestDatabase(pgServer.url, 'cloud');
const cloudDb = await openDatabase({ url: cloudDbInfo.url });
await migrateAnalytics(cloudDb);
const edgeDbUrls: string[] = [];
const edgeDbs: Awaited<ReturnType<typeof openDatabase>>[] = [];
if (EDGE_MODE === 'outbox')
  for (const _ of SITE_IDS) {
    const info = await createTestDatabase(pgServer.url, 'edge');
    const db = await openDatabase({ url: info.url });
    await db.migrate(EDGE_MIGRATIONS);
    edgeDbUrls.push(info.url);
    edgeDbs.push(db);
  }

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
const RAW = PIPELINE_ONLY ? 0 : Number(process.env.BENCH_RAW ?? 200_000);
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
if (RAW > 0)
  console.log(`raw JetStream publish (leaf, file, msgID, 2000 in flight): ${Math.round(rawRate)} msg/s`);

// 2. The pipeline.
const batchMs: number[] = [];
let inserted = 0;
const workers: IngestWorker[] = [];
const tenants = Object.fromEntries(SITE_IDS.map((site) => [site, 'acme']));
// --sink ack: emit -> ack latency of each event, in ms.
const acked: number[] = [];
const sinks: ConsumerMessages[] = [];
for (let i = 0; i < WORKERS && SINK === 'ack'; i++) {
  const consumer = await jetstream(cloudNc).consumers.get(names.HUB_EVENTS_STREAM, names.INGEST_CONSUMER);
  sinks.push(
    await consumer.consume({
      max_messages: 4000,
      callback: (m) => {
        acked.push(Date.now() - timestampMs(decodeEvent(m.data).occurredAt!));
        m.ack();
        inserted++;
      },
    }),
  );
}
for (let i = 0; i < WORKERS && SINK === 'postgres'; i++) {
  const w = new IngestWorker(
    cloudDb.db,
    cloudNc,
    staticSiteDirectory(tenants),
    {
      batchSize: 2000,
      onBatch: (r) => {
        batchMs.push(r.writeMs ?? 0);
        inserted += r.inserted;
      },
    },
    silentLogger,
  );
  await w.start();
  workers.push(w);
}
const wm = new WatermarkService(cloudDb.db, connectionTransport(cloudNc), { periodMs: 500 }, silentLogger);
wm.start();
// Each leaf's events stream exists before its edge starts, as on a running site: the hub's site
// stream retries a missing source only every few seconds, which would otherwise hold the first
// seconds of events (and the latency percentiles of a short run) for that long.
for (const [i, site] of SITE_IDS.entries()) {
  const nc = await connect({ servers: leaves[i]!.url });
  await ensureEdgeEventsStream(await jetstreamManager(nc), site);
  await nc.close();
  const sjsm = await jetstreamManager(siteNcs[i]!);
  await waitFor(
    `hub sources ${site}'s events stream`,
    async () =>
      (await sjsm.streams.info(names.siteHubEventsStream(site))).sources?.some(
        (s) => !s.error && s.active >= 0,
      ) ?? false,
    30_000,
    100,
  );
}
const goDir = mkdtempSync(join(tmpdir(), 'hcc-bench-go-'));
const goFile = join(goDir, 'go');
const edges: ManagedChild[] = SITE_IDS.map((site, i) =>
  startChild({
    name: `bench-edge-${site}`,
    // EDGE_PROF=<dir>: CPU profile of the edge process (node --cpu-prof), written when it stops.
    command: process.env.EDGE_PROF ? process.execPath : TSX,
    args: process.env.EDGE_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.EDGE_PROF}`, '--import', 'tsx', EDGE]
      : [EDGE],
    env: {
      ...process.env,
      SITE: site,
      EDGE_MODE,
      EDGE_DB_URL: edgeDbUrls[i] ?? '',
      LEAF_URL: leaves[i]!.url,
      RATE: String(RATE / SITES),
      EDGE_EVENTS_BATCH_MAX: String(BATCH),
      SECONDS: String(SECONDS),
      GO_FILE: goFile,
    },
  }),
);
const exited = () => edges.find((e) => e.process.exitCode !== null);
await waitFor(
  'edges ready',
  async () => {
    const gone = exited();
    if (gone) throw new Error(`edge exited: ${gone.tail()}`);
    return edges.every((e) => e.tail().split('\n').includes('ready'));
  },
  120_000,
  50,
);
const cpuBefore = cpuByRole();
writeFileSync(goFile, '');
t = performance.now();
// Per stage: sequenced at the edges, acknowledged by the leaves, in the hub's aggregate stream, in PostgreSQL.
const samples: [number, number][] = [];
const stages: string[] = [];
const cjsm = await jetstreamManager(cloudNc);
const edgeStates = async () => {
  let last = 0;
  let published = 0;
  for (const db of edgeDbs) {
    const [row] = rowsOf<{ last: string; published: string }>(
      await db.db.execute(sql`select last_seq as last, published_seq as published from event_outbox_state`),
    );
    last += Number(row?.last ?? 0);
    published += Number(row?.published ?? 0);
  }
  return { last, published };
};
const reports: ({ emitted: number; elapsed: number; rate: number } | undefined)[] = edges.map(
  () => undefined,
);
while (reports.some((r) => r === undefined)) {
  await new Promise((r) => setTimeout(r, 1000));
  const n = inserted;
  const [st, agg] = await Promise.all([
    EDGE_MODE === 'outbox' ? edgeStates() : undefined,
    cjsm.streams.info(names.HUB_EVENTS_STREAM).then((i) => i.state.messages),
  ]);
  const s = (performance.now() - t) / 1000;
  samples.push([s, n]);
  stages.push(`${s.toFixed(0)}:${st ? `${st.last}/${st.published}/` : ''}${agg}/${n}`);
  for (const [i, e] of edges.entries()) {
    const line = e
      .tail()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (line) reports[i] = JSON.parse(line);
  }
  const gone = exited();
  if (gone) throw new Error(`edge exited: ${gone.tail()}`);
}
const emitted = reports.reduce((sum, r) => sum + r!.emitted, 0);
const elapsed = Math.max(...reports.map((r) => r!.elapsed));
await waitFor('all events ingested', async () => inserted >= emitted, 300_000, 20);
const total = (performance.now() - t) / 1000;
const cpuAfter = cpuByRole();
const hubMessages = (await cjsm.streams.info(names.HUB_EVENTS_STREAM)).state.messages;
let lat: number[];
if (SINK === 'ack') {
  // A redelivery would count twice: the sink must have seen exactly what the edges emitted.
  await new Promise((r) => setTimeout(r, 500));
  if (inserted !== emitted) throw new Error(`${inserted} events acked for ${emitted} events emitted`);
  lat = acked.sort((a, b) => a - b);
} else {
  const rows = rowsOf<{ n: string }>(
    await cloudDb.db.execute(sql`select count(*) as n from analytics.events`),
  )[0]?.n;
  if (Number(rows) !== emitted) throw new Error(`${rows} rows in PostgreSQL for ${emitted} events emitted`);
  lat = rowsOf<{ ms: number }>(
    await cloudDb.db.execute(
      sql`select extract(epoch from received_at - occurred_at) * 1000 as ms from analytics.events`,
    ),
  )
    .map((r) => Number(r.ms))
    .sort((a, b) => a - b);
}
batchMs.sort((a, b) => a - b);
console.log(
  `pipeline (${SITES} site${SITES > 1 ? 's' : ''}, edge ${EDGE_MODE === 'outbox' ? `outbox TX_MODE=${process.env.TX_MODE ?? 'bridge'}` : 'straight to the leaf stream'}): ` +
    `edges emitted ${emitted} events in ${elapsed.toFixed(1)} s (${Math.round(emitted / elapsed)}/s offered); ` +
    `all ${SINK === 'ack' ? 'acked by the sink (no PostgreSQL)' : 'in PostgreSQL'} after ${total.toFixed(1)} s => ${Math.round(emitted / total)} events/s sustained end to end`,
);
console.log(
  `  ingest progress (s, rows): ${samples
    .filter((_, i) => i % 5 === 4)
    .map(([s, n]) => `${s.toFixed(0)}:${n}`)
    .join(' ')}`,
);
console.log(
  `  stages (s:${EDGE_MODE === 'outbox' ? 'sequenced/leaf-acked/' : ''}hub aggregate/ingested): ${stages.join(' ')}`,
);
console.log(
  `  latency emit -> ${SINK === 'ack' ? 'ack' : 'ingest'} (ms): p50 ${pct(lat, 50).toFixed(0)} p95 ${pct(lat, 95).toFixed(0)} p99 ${pct(lat, 99).toFixed(0)} max ${lat.at(-1)?.toFixed(0)}` +
    (SINK === 'ack'
      ? ''
      : `; batch write (commit) p50 ${pct(batchMs, 50).toFixed(0)} p99 ${pct(batchMs, 99).toFixed(0)} ms over ${batchMs.length} batches`),
);
console.log(`  ${cpuReport(cpuBefore, cpuAfter, emitted)}`);
const perEvent = cpuPerEvent(cpuBefore, cpuAfter, emitted);
console.log(
  `  batch ${BATCH}: ${hubMessages} messages in the hub's aggregate stream for ${emitted} events (${(emitted / Math.max(1, hubMessages)).toFixed(1)} events per message); CPU µs per event: ${Object.entries(
    perEvent,
  )
    .map(([role, us]) => `${role} ${us.toFixed(1)}`)
    .join(', ')}`,
);
const summary = {
  batch: BATCH,
  emitted,
  offered: emitted / elapsed,
  endToEnd: emitted / total,
  p50: pct(lat, 50),
  p99: pct(lat, 99),
  hubMessages,
  cpu: perEvent,
};
console.log(`SUMMARY ${JSON.stringify(summary)}`);
await Promise.all(edges.map((e) => e.stop(2000)));
rmSync(goDir, { recursive: true, force: true });
await wm.stop();
await Promise.all(workers.map((w) => w.stop()));
await Promise.all(sinks.map((s) => s.close()));

// 2b and 3 need the rows in PostgreSQL: not with --sink ack.
if (SINK === 'postgres' && !PIPELINE_ONLY) {
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
      staticSiteDirectory(tenants),
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
  await waitFor('replay done', async () => replayed >= emitted, 300_000, 50);
  const replayS = (performance.now() - t) / 1000;
  console.log(
    `ingest alone (aggregate stream -> PostgreSQL rows + rollups, ${WORKERS} workers): ${Math.round(emitted / replayS)} events/s`,
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
    `psql \\copy of the same ${emitted} rows (with the same indexes): ${Math.round(emitted / copyS)} rows/s`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await Promise.all([leafNc.close(), cloudNc.close(), ...siteNcs.map((nc) => nc.close())]);
await cloudDb.close();
for (const db of edgeDbs) await db.close();
for (const l of leaves) await l.dispose();
await hub.dispose();
await pgServer.stop();
process.exit(0);

type Summary = {
  batch: number;
  emitted: number;
  offered: number;
  endToEnd: number;
  p50: number;
  p99: number;
  hubMessages: number;
  cpu: Record<string, number>;
};

/** --compare: this benchmark twice, one message per event then batched, and the ratios. */
function compare(): never {
  const args = process.argv
    .slice(2)
    .filter((a, i, all) => a !== '--compare' && a !== '--batch' && all[i - 1] !== '--batch');
  const runs: Summary[] = [];
  for (const batch of [1, BATCH === 1 ? 256 : BATCH]) {
    console.log(`--- --batch ${batch} ---`);
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1]!, ...args, '--batch', String(batch), '--pipeline-only'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    process.stdout.write(
      r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('SUMMARY '))
        .join('\n'),
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('SUMMARY '));
    if (r.status !== 0 || !line) {
      console.error(`run with --batch ${batch} failed (exit ${r.status})`);
      process.exit(1);
    }
    runs.push(JSON.parse(line.slice('SUMMARY '.length)) as Summary);
  }
  const [one, many] = runs as [Summary, Summary];
  const f = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
  const row = (name: string, a: number | undefined, b: number | undefined, d = 1) =>
    `  ${name.padEnd(34)} ${f(a, d).padStart(10)} ${f(b, d).padStart(10)} ${a && b !== undefined ? `${(b / a).toFixed(2)}x`.padStart(8) : ''}`;
  const roles = [...new Set([...Object.keys(one.cpu), ...Object.keys(many.cpu)])].sort();
  console.log(
    `\nsame invocation, one message per event vs --batch ${many.batch} (ratio = batched / unbatched):`,
  );
  console.log(`  ${''.padEnd(34)} ${'batch 1'.padStart(10)} ${`batch ${many.batch}`.padStart(10)}    ratio`);
  console.log(row('events/s end to end', one.endToEnd, many.endToEnd, 0));
  console.log(row('events/s offered', one.offered, many.offered, 0));
  console.log(row('p50 emit -> ingest (ms)', one.p50, many.p50, 0));
  console.log(row('p99 emit -> ingest (ms)', one.p99, many.p99, 0));
  console.log(row('hub aggregate messages', one.hubMessages, many.hubMessages, 0));
  for (const role of roles) console.log(row(`CPU µs/event ${role}`, one.cpu[role], many.cpu[role]));
  process.exit(0);
}
