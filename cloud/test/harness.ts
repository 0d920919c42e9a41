import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJson } from '@bufbuild/protobuf';
import { type ConfigAgent, startConfigAgent } from '@hcc/edge';
import { type ConfigBundle, ConfigBundleSchema } from '@hcc/proto';
import {
  createLogger,
  createOperatorMaterial,
  generateSigningKeyPair,
  newAccountKey,
  type OperatorMaterial,
  type SigningKeyPair,
  silentLogger,
} from '@hcc/shared';
import {
  createTestDatabase,
  freePort,
  startTestHub,
  startTestLeaf,
  type TestHub,
  type TestNatsServer,
} from '@hcc/shared/testing';
import { serve } from '@hono/node-server';
import { ENTITY_KINDS } from '../src/config/entities.ts';
import { type ControlPlane, startControlPlane } from '../src/control-plane.ts';
import { SecretBox } from '../src/db/secret-box.ts';
import { cloudApp } from '../src/http/app.ts';
import { databaseSiteDirectory } from '../src/ingest/directory.ts';
import { type IngestService, startIngest } from '../src/ingest/service.ts';
import { connectionTransport } from '../src/ingest/watermark.ts';
import type { CloudSettings } from '../src/settings.ts';
import type { EnrollmentGrant } from '../src/sites/enrollment.ts';

const PROMPTS = fileURLToPath(new URL('../../edge/prompts', import.meta.url));

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  json: any;
}
export type Client = (method: string, path: string, body?: unknown) => Promise<Reply>;

/** An HTTP client of the harness's cloud sending a bearer token (session token or API key). */
export function client(url: string, token?: string): Client {
  return async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
}

export interface TestEdge {
  site: string;
  leaf: TestNatsServer;
  agent: ConfigAgent;
  dataDir: string;
  grant: EnrollmentGrant;
  /** Starts a new config agent (after stop), optionally on a fresh database. */
  restartAgent(fresh?: boolean): Promise<ConfigAgent>;
  stop(): Promise<void>;
}

export interface CloudHarness {
  hub: TestHub;
  cp: ControlPlane;
  /**
   * Starts the analytics side as main.ts does (store migration, ingest worker, watermark service),
   * once; stopped with the harness. The worker starts once the aggregate events stream exists
   * (the first enrollment creates it).
   */
  startIngest(): Promise<IngestService>;
  url: string;
  keys: SigningKeyPair;
  material: OperatorMaterial;
  /** Creates a tenant with an admin user; returns a client logged in as that admin. */
  tenant(id: string): Promise<{ api: Client; email: string; password: string }>;
  /** Creates a site via the API and fills its draft from a bundle through the entity routes. */
  site(api: Client, bundle: ConfigBundle): Promise<void>;
  /** Enrolls the site via the API and starts its leaf (with the granted credentials) and config agent. */
  edge(api: Client, site: string): Promise<TestEdge>;
  stop(): Promise<void>;
}

function promptCheck(bundle: ConfigBundle): string | undefined {
  for (const p of bundle.prompts)
    if (!p.variants.some((v) => existsSync(join(PROMPTS, v.path)))) return `prompts.${p.id}`;
  return undefined;
}

export async function startCloudHarness(pgUrl: string): Promise<CloudHarness> {
  const material = await createOperatorMaterial();
  const hub = await startTestHub('hub', material);
  const db = await createTestDatabase(pgUrl, 'cloud');
  const keys = generateSigningKeyPair();
  const port = await freePort();
  const settings: CloudSettings = {
    httpHost: '127.0.0.1',
    httpPort: port,
    natsUrl: hub.url,
    database: { url: db.url },
    signingKeyPem: keys.privateKeyPem,
    nats: { ...material, cloudAccountSeed: newAccountKey().seed },
    secrets: SecretBox.generate(),
    hubLeafUrls: [hub.leafUrl],
    hubCaPem: hub.caFile && readFileSync(hub.caFile, 'utf8'),
    onlineAfterMs: 5000,
    seedDemo: false,
  };
  let cp: ControlPlane;
  try {
    cp = await startControlPlane(settings, silentLogger);
  } catch (err) {
    await hub.dispose();
    await db.drop();
    throw err;
  }
  let ingest: Promise<IngestService> | undefined;
  const server = serve({
    fetch: cloudApp({ readiness: () => cp.readiness(), api: cp.api }).fetch,
    hostname: '127.0.0.1',
    port,
  });
  const url = `http://127.0.0.1:${port}`;
  const edges: TestEdge[] = [];
  return {
    hub,
    cp,
    url,
    keys,
    material,
    startIngest() {
      ingest ??= startIngest(
        {
          database: cp.database,
          nc: cp.nc,
          sites: databaseSiteDirectory(cp.database.db),
          watermarks: connectionTransport(cp.nc),
          log: silentLogger,
        },
        { workers: 1 },
      );
      return ingest;
    },
    async tenant(id) {
      await cp.api.identity.createTenant(id, id);
      const email = `admin@${id}.example`;
      const password = `pw-${id}-0123456789`;
      await cp.api.identity.createUser(id, { email, displayName: 'Admin', role: 'tenant_admin', password });
      const r = await client(url)('POST', '/api/v1/auth/login', { email, password });
      return { api: client(url, r.json.token), email, password };
    },
    async site(api, bundle) {
      const s = bundle.site!;
      const r = await api('POST', '/api/v1/sites', {
        id: bundle.siteId,
        name: s.name,
        timeZone: s.timeZone,
        locale: s.locale,
      });
      if (r.status !== 201) throw new Error(`create site: ${r.status} ${JSON.stringify(r.json)}`);
      const j = toJson(ConfigBundleSchema, bundle) as Record<string, unknown>;
      for (const k of ENTITY_KINDS) {
        for (const e of (j[k.field] as { id: string }[] | undefined) ?? []) {
          const put = await api('PUT', `/api/v1/sites/${bundle.siteId}/${k.kind}/${e.id}`, e);
          if (put.status !== 200)
            throw new Error(`put ${k.kind}/${e.id}: ${put.status} ${JSON.stringify(put.json)}`);
        }
      }
      await api('PUT', `/api/v1/sites/${bundle.siteId}/policies`, {
        recording: j.recording ?? {},
        retention: j.retention ?? {},
        dial_policy: j.dialPolicy ?? {},
      });
    },
    async edge(api, site) {
      const r = await api('POST', `/api/v1/sites/${site}/enroll`);
      if (r.status !== 200) throw new Error(`enroll ${site}: ${r.status} ${JSON.stringify(r.json)}`);
      const grant = r.json as EnrollmentGrant;
      const leaf = await startTestLeaf(site, hub, { creds: grant.leafCredentials });
      let dataDir = mkdtempSync(join(tmpdir(), `hcc-edge-${site}-`));
      const start = () =>
        startConfigAgent(
          {
            site,
            natsUrl: leaf.url,
            database: { dataDir },
            publicKeys: [grant.configSigningPublicKey],
            heartbeatMs: 500,
            localCheck: promptCheck,
          },
          process.env.HCC_TEST_LOG ? createLogger({ service: `edge-${site}` }) : silentLogger,
        );
      const edge: TestEdge = {
        site,
        leaf,
        grant,
        dataDir,
        agent: await start(),
        async restartAgent(fresh = false) {
          if (fresh) {
            // The agent was stopped by the caller: its old database goes.
            rmSync(dataDir, { recursive: true, force: true });
            dataDir = mkdtempSync(join(tmpdir(), `hcc-edge-${site}-`));
            edge.dataDir = dataDir;
          }
          edge.agent = await start();
          return edge.agent;
        },
        async stop() {
          await edge.agent.stop().catch(() => {});
          await leaf.dispose();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
      edges.push(edge);
      return edge;
    },
    async stop() {
      for (const e of edges) await e.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await (await ingest?.catch(() => undefined))?.stop();
      await cp.stop();
      await hub.dispose();
      await db.drop();
    },
  };
}
