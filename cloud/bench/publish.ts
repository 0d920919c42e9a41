/**
 * Benchmark: publish -> applied at N simulated sites, and convergence after a leaf outage.
 *
 *   node --import tsx cloud/bench/publish.ts [--sites 100] [--rounds 5] [--outage-s 60]
 *
 * Real parts on loopback: PostgreSQL, an operator-mode nats-server hub, one leaf nats-server per
 * site (connected with the credentials enrollment issued, in the site's own hub account), and per
 * site a lightweight edge config agent (the edge's real config path: local database, store, mirror
 * watch, applied/heartbeat reports). The control plane runs in this process with its HTTP API.
 * Latency = from the start of the publish request (all sites in one request) to (a) the edge
 * applying the version and (b) the API showing it applied.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toJson } from '@bufbuild/protobuf';
import { type ConfigAgent, startConfigAgent } from '@hcc/edge';
import {
  createLogger,
  createOperatorMaterial,
  generateSigningKeyPair,
  newAccountKey,
  silentLogger,
} from '@hcc/shared';
import {
  createTestDatabase,
  freePort,
  startTestHub,
  startTestLeaf,
  startTestPostgres,
  type TestNatsServer,
  waitFor,
} from '@hcc/shared/testing';
import { serve } from '@hono/node-server';
import { entityKind } from '../src/config/entities.ts';
import { startControlPlane } from '../src/control-plane.ts';
import { SecretBox } from '../src/db/secret-box.ts';
import { demoBranchBundle } from '../src/demo/bundles.ts';
import { cloudApp } from '../src/http/app.ts';
import { type Client, client } from '../test/harness.ts';

const { values: args } = parseArgs({
  options: {
    sites: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    'outage-s': { type: 'string', default: '60' },
  },
});
const SITES = Number(args.sites);
const ROUNDS = Number(args.rounds);
const OUTAGE_MS = Number(args['outage-s']) * 1000;
const log = createLogger({ service: 'bench', level: 'info' });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: Math.round(pct(xs, 50)),
  p99: Math.round(pct(xs, 99)),
  max: Math.round(Math.max(...xs)),
});

interface Site {
  id: string;
  leaf: TestNatsServer;
  agent: ConfigAgent;
  appliedAt: Map<bigint, number>;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const pgServer = await startTestPostgres();
  const material = await createOperatorMaterial();
  const hub = await startTestHub('bench-hub', material);
  const cloudDb = await createTestDatabase(pgServer.url, 'bench_cloud');
  const keys = generateSigningKeyPair();
  const port = await freePort();
  const cp = await startControlPlane(
    {
      httpHost: '127.0.0.1',
      httpPort: port,
      natsUrl: hub.url,
      database: { url: cloudDb.url },
      signingKeyPem: keys.privateKeyPem,
      nats: { ...material, cloudAccountSeed: newAccountKey().seed },
      secrets: SecretBox.generate(),
      hubLeafUrls: [hub.leafUrl],
      onlineAfterMs: 15_000,
      seedDemo: false,
    },
    silentLogger,
  );
  const server = serve({
    fetch: cloudApp({ readiness: () => cp.readiness(), api: cp.api }).fetch,
    hostname: '127.0.0.1',
    port,
  });
  const url = `http://127.0.0.1:${port}`;
  await cp.api.identity.createTenant('bench', 'Bench');
  await cp.api.identity.createUser('bench', {
    email: 'ops@bench.example',
    displayName: 'Ops',
    role: 'tenant_admin',
    password: 'bench-password-123',
  });
  const api: Client = client(
    url,
    (
      await client(url)('POST', '/api/v1/auth/login', {
        email: 'ops@bench.example',
        password: 'bench-password-123',
      })
    ).json.token,
  );

  // Sites: create, fill the draft, enroll (a hub account each), start leaf + agent.
  const template = demoBranchBundle();
  const sites: Site[] = [];
  for (let i = 0; i < SITES; i++) {
    const id = `s${String(i).padStart(3, '0')}`;
    await api('POST', '/api/v1/sites', { id, name: `Site ${i}`, timeZone: 'America/Chicago' });
    for (const [kind, list] of [
      ['prompts', template.prompts],
      ['skills', template.skills],
      ['queues', template.queues],
      ['agents', template.agents],
      ['hours', template.businessHours],
      ['trunks', template.trunks],
      ['not-ready-reasons', template.notReadyReasons],
    ] as const) {
      for (const e of list)
        await api('PUT', `/api/v1/sites/${id}/${kind}/${e.id}`, toJson(entityKind(kind)!.schema, e as never));
    }
    await api('PUT', `/api/v1/sites/${id}/dids/did-${id}`, {
      number: `+1555${String(1000 + i)}`,
      queueId: 'branch',
    });
    const grant = (await api('POST', `/api/v1/sites/${id}/enroll`)).json;
    const leaf = await startTestLeaf(id, hub, { creds: grant.leafCredentials });
    const edgeDb = await createTestDatabase(pgServer.url, `bench_edge_${id}`);
    const appliedAt = new Map<bigint, number>();
    const agent = await startConfigAgent(
      {
        site: id,
        natsUrl: leaf.url,
        database: { url: edgeDb.url },
        publicKeys: [grant.configSigningPublicKey],
        heartbeatMs: 5000,
      },
      silentLogger,
    );
    agent.store.observer.on('applied', (e) => appliedAt.set(e.version, performance.now()));
    sites.push({ id, leaf, agent, appliedAt });
    if ((i + 1) % 10 === 0)
      log.info({ sites: i + 1, elapsed_s: Math.round((Date.now() - t0) / 1000) }, 'sites up');
  }

  const appliedInApi = async (version: bigint, start: number, pending: Set<string>, out: number[]) => {
    while (pending.size > 0) {
      const list = (await api('GET', '/api/v1/sites')).json.sites as {
        id: string;
        status: { appliedVersion: string | null };
      }[];
      const now = performance.now();
      for (const s of list)
        if (
          pending.has(s.id) &&
          s.status.appliedVersion !== null &&
          BigInt(s.status.appliedVersion) >= version
        ) {
          pending.delete(s.id);
          out.push(now - start);
        }
      if (now - start > 120_000) throw new Error(`${pending.size} sites never showed version ${version}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // Warm-up (not measured): the hub starts sourcing a new site's stream only after its edge created
  // it, retrying with a backoff, so the very first reports of fresh sites can wait a few seconds.
  {
    const start = performance.now();
    const r = await api('POST', '/api/v1/publish', { siteIds: sites.map((s) => s.id) });
    await appliedInApi(BigInt(r.json.results[0].version), start, new Set(sites.map((s) => s.id)), []);
    log.info({ ms: Math.round(performance.now() - start) }, 'warm-up round done');
  }
  const edgeLat: number[] = [];
  const apiLat: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const start = performance.now();
    const r = await api('POST', '/api/v1/publish', { siteIds: sites.map((s) => s.id) });
    const requestMs = performance.now() - start;
    const version = BigInt(r.json.results[0].version);
    await appliedInApi(version, start, new Set(sites.map((s) => s.id)), apiLat);
    for (const s of sites) edgeLat.push(s.appliedAt.get(version)! - start);
    log.info({ round, version: version.toString(), request_ms: Math.round(requestMs) }, 'round done');
  }

  // Leaf outage: every leaf down for the outage, a new version published meanwhile (it waits in the
  // hub), then the leaves return; convergence = leaf restart -> edge applied / API shows it.
  for (const s of sites) await s.leaf.stop();
  const outageStart = Date.now();
  const r = await api('POST', '/api/v1/publish', { siteIds: sites.map((s) => s.id) });
  const version = BigInt(r.json.results[0].version);
  await new Promise((res) => setTimeout(res, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))));
  const back = performance.now();
  await Promise.all(sites.map((s) => s.leaf.start()));
  const leavesUpMs = performance.now() - back;
  const convergeApi: number[] = [];
  await appliedInApi(version, back, new Set(sites.map((s) => s.id)), convergeApi);
  await waitFor('every edge applied', async () => sites.every((s) => s.appliedAt.has(version)), 120_000, 50);
  const convergeEdge = sites.map((s) => s.appliedAt.get(version)! - back);

  const result = {
    when: new Date().toISOString(),
    sites: SITES,
    rounds: ROUNDS,
    publish_to_edge_applied_ms: summary(edgeLat),
    publish_to_api_shows_applied_ms: summary(apiLat),
    outage_s: OUTAGE_MS / 1000,
    leaves_restart_ms: Math.round(leavesUpMs),
    convergence_edge_applied_ms: summary(convergeEdge),
    convergence_api_shows_applied_ms: summary(convergeApi),
    dropped_events: cp.fleet.stats.dropped,
    // Events whose status transaction failed (e.g. a deadlock) and were redelivered.
    retried_events: cp.fleet.stats.retried,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const dir = fileURLToPath(new URL('../../.artifacts', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-publish.json'), `${JSON.stringify(result, null, 2)}\n`);

  for (const s of sites) await s.agent.stop();
  for (const s of sites) await s.leaf.dispose();
  await new Promise<void>((res) => server.close(() => res()));
  await cp.stop();
  await hub.dispose();
  await pgServer.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
