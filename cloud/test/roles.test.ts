/**
 * CLOUD_ROLE: the same program runs as `api` (API, console, reports) or `ingest` (workers, health only),
 * as the Kubernetes manifests deploy it; both roles on one database and one hub.
 */
import { createOperatorMaterial, generateSigningKeyPair, newAccountKey, silentLogger } from '@hcc/shared';
import { createTestDatabase, freePort, startTestHub, type TestHub } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SecretBox } from '../src/db/secret-box.ts';
import { type RunningCloud, startCloud } from '../src/main.ts';
import { type CloudRole, type CloudSettings, cloudSettings } from '../src/settings.ts';

describe('cloud roles', () => {
  let hub: TestHub;
  let drop: () => Promise<void>;
  const clouds: Partial<Record<CloudRole, RunningCloud>> = {};

  beforeAll(async () => {
    const material = await createOperatorMaterial();
    hub = await startTestHub('hub', material);
    const db = await createTestDatabase(inject('pgUrl'), 'roles');
    drop = db.drop;
    const base: Omit<CloudSettings, 'httpPort' | 'role'> = {
      httpHost: '127.0.0.1',
      natsUrl: hub.url,
      database: { url: db.url },
      signingKeyPem: generateSigningKeyPair().privateKeyPem,
      nats: { ...material, cloudAccountSeed: newAccountKey().seed },
      secrets: SecretBox.generate(),
      hubLeafUrls: [hub.leafUrl],
      onlineAfterMs: 5000,
      seedDemo: false,
    };
    // The api role first: it migrates the control plane's schema; then ingest on the same database.
    for (const role of ['api', 'ingest'] as const)
      clouds[role] = await startCloud({ ...base, role, httpPort: await freePort() }, silentLogger);
  });

  afterAll(async () => {
    for (const c of Object.values(clouds)) await c?.stop();
    await hub?.dispose();
    await drop?.();
  });

  it('both roles are ready; only the api role serves the API, the console and reports', async () => {
    for (const role of ['api', 'ingest'] as const)
      expect((await fetch(`${clouds[role]!.url}/readyz`)).status, role).toBe(200);
    const api = clouds.api!.url;
    const ingest = clouds.ingest!.url;
    expect((await fetch(`${api}/api/v1/sites`)).status).toBe(401);
    expect((await fetch(`${api}/login`)).status).toBe(200);
    expect((await fetch(`${api}/analytics`, { redirect: 'manual' })).status).not.toBe(404);
    for (const path of ['/api/v1/sites', '/login', '/analytics'])
      expect((await fetch(`${ingest}${path}`, { redirect: 'manual' })).status, path).toBe(404);
  });

  it('CLOUD_ROLE is checked', () => {
    const env = {
      CLOUD_CONFIG_SIGNING_KEY_FILE: '/dev/null',
      CLOUD_NATS_AUTHORITY_FILE: '/dev/null',
      CLOUD_SECRETS_KEY_FILE: '/dev/null',
      CLOUD_ROLE: 'worker',
    };
    expect(() => cloudSettings(env)).toThrow('CLOUD_ROLE: "worker" is not one of all, api, ingest');
  });
});
