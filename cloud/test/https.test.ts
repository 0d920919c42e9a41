/**
 * The cloud's own HTTPS (CLOUD_TLS_CERT/KEY), the clear-text rule for its HTTP listener, the hub CA
 * setting, and `hcc-cloud tls-init` run as the real command.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ConfigError,
  createCa,
  createOperatorMaterial,
  generateSigningKeyPair,
  issueServerCert,
  newAccountKey,
  silentLogger,
} from '@hcc/shared';
import { createTestDatabase, startTestHub, type TestHub } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SecretBox } from '../src/db/secret-box.ts';
import { startCloud } from '../src/main.ts';
import { cloudSettings } from '../src/settings.ts';
import { hubLeafTlsSettings } from '../src/tls/hub-tls.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function get(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { ca, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('cloud HTTPS and TLS settings', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let hub: TestHub;
  let dropDb: () => Promise<void>;
  let caPem: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcc-cloud-tls-'));
    const material = await createOperatorMaterial();
    hub = await startTestHub('hub-https', material);
    const db = await createTestDatabase(inject('pgUrl'), 'cloud_https');
    dropDb = db.drop;
    const ca = await createCa(join(dir, 'ca'), { commonName: 'cloud test CA' });
    caPem = readFileSync(ca.certFile);
    const web = await issueServerCert(ca, join(dir, 'web'), { commonName: 'cloud' }, 'web');
    const files = {
      signing: join(dir, 'signing.pem'),
      authority: join(dir, 'authority.json'),
      secrets: join(dir, 'secrets.key'),
    };
    writeFileSync(files.signing, generateSigningKeyPair().privateKeyPem);
    writeFileSync(files.authority, JSON.stringify({ ...material, cloudAccountSeed: newAccountKey().seed }));
    writeFileSync(files.secrets, `${SecretBox.newKeyLine()}\n`);
    env = {
      CLOUD_HTTP_HOST: '127.0.0.1',
      CLOUD_NATS_URL: hub.url,
      CLOUD_DATABASE_URL: db.url,
      CLOUD_CONFIG_SIGNING_KEY_FILE: files.signing,
      CLOUD_NATS_AUTHORITY_FILE: files.authority,
      CLOUD_SECRETS_KEY_FILE: files.secrets,
      CLOUD_TLS_CERT: web.certFile,
      CLOUD_TLS_KEY: web.keyFile,
      CLOUD_HUB_CA_FILE: hub.caFile,
      CLOUD_HUB_LEAF_URLS: hub.leafUrl,
    };
  });
  afterAll(async () => {
    await hub?.dispose();
    await dropDb?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with CLOUD_TLS_CERT/KEY, and hands out the hub CA from CLOUD_HUB_CA_FILE', async () => {
    const { freePort } = await import('@hcc/shared/testing');
    const settings = cloudSettings({ ...env, CLOUD_HTTP_PORT: String(await freePort()) });
    expect(settings.hubCaPem).toBe(readFileSync(hub.caFile!, 'utf8'));
    const cloud = await startCloud(settings, silentLogger);
    try {
      expect(cloud.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await get(`${cloud.url}/healthz`, caPem);
      expect(res.status).toBe(200);
      // Without the CA the client refuses; plain HTTP on the port gets no HTTP answer.
      await expect(get(`${cloud.url}/healthz`)).rejects.toThrow(/self.signed|unable to verify|issuer/i);
      await expect(get(`${cloud.url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    } finally {
      await cloud.stop();
    }
  });

  it('refuses clear-text HTTP beyond loopback unless allowed, and half or wrong TLS settings', () => {
    const plain = { ...env, CLOUD_TLS_CERT: '', CLOUD_TLS_KEY: '' };
    expect(cloudSettings(plain).tls).toBeUndefined();
    expect(() => cloudSettings({ ...plain, CLOUD_HTTP_HOST: '0.0.0.0' })).toThrow(
      /CLOUD_HTTP_HOST=0\.0\.0\.0: the cloud HTTP server would listen in clear text.*CLOUD_ALLOW_CLEARTEXT_HTTP=1/,
    );
    expect(
      cloudSettings({ ...plain, CLOUD_HTTP_HOST: '0.0.0.0', CLOUD_ALLOW_CLEARTEXT_HTTP: '1' }).httpHost,
    ).toBe('0.0.0.0');
    expect(cloudSettings({ ...env, CLOUD_HTTP_HOST: '0.0.0.0' }).tls).toBeDefined();
    expect(() => cloudSettings({ ...env, CLOUD_TLS_KEY: '' })).toThrow(
      /CLOUD_TLS_CERT and CLOUD_TLS_KEY go together/,
    );
    expect(() => cloudSettings({ ...env, CLOUD_TLS_KEY: join(dir, 'ca', 'ca.key') })).toThrow(
      /the key does not belong to the certificate/,
    );
    expect(() => cloudSettings({ ...env, CLOUD_HUB_CA_FILE: env.CLOUD_TLS_CERT })).toThrow(
      /is not a CA certificate/,
    );
    expect(() => cloudSettings({ ...env, CLOUD_HUB_CA_FILE: join(dir, 'missing.pem') })).toThrow(ConfigError);
  });

  const cli = async (args: string[]) => {
    try {
      const r = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: 60_000 });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('hcc-cloud tls-init makes a CA once and a hub certificate for the given names', async () => {
    const out = join(dir, 'tls-init');
    const first = await cli([
      'tls-init',
      '--hub-name',
      'hub.example.com',
      '--hub-name',
      '203.0.113.7',
      '--dir',
      out,
    ]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('made a new hub CA');
    expect(first.out).toContain(`CLOUD_HUB_CA_FILE=${join(out, 'hub-ca.pem')}`);
    expect(first.out).toContain('CLOUD_HUB_LEAF_URLS=tls://hub.example.com:17422,tls://203.0.113.7:17422');
    expect(first.out).toContain(`CLOUD_HUB_TLS_CERT=${join(out, 'hub-leaf.pem')}`);
    expect(statSync(join(out, 'hub-leaf.key')).mode & 0o777).toBe(0o600);
    // What the installed hub's config renderer reads: the files as printed, checked.
    const leafTls = hubLeafTlsSettings({
      CLOUD_HUB_TLS_CERT: join(out, 'hub-leaf.pem'),
      CLOUD_HUB_TLS_KEY: join(out, 'hub-leaf.key'),
    });
    expect(leafTls).toEqual({ certFile: join(out, 'hub-leaf.pem'), keyFile: join(out, 'hub-leaf.key') });
    expect(() =>
      hubLeafTlsSettings({
        CLOUD_HUB_TLS_CERT: join(out, 'hub-leaf.pem'),
        CLOUD_HUB_TLS_KEY: join(out, 'hub-ca.key'),
      }),
    ).toThrow(/the key does not belong/);
    expect(() => hubLeafTlsSettings({ CLOUD_HUB_TLS_CERT: join(out, 'hub-leaf.pem') })).toThrow(
      /go together/,
    );
    expect(hubLeafTlsSettings({})).toBeUndefined();
    expect(statSync(join(out, 'hub-ca.key')).mode & 0o777).toBe(0o600);
    const ca = readFileSync(join(out, 'hub-ca.pem'), 'utf8');
    const again = await cli(['tls-init', '--hub-name', 'hub2.example.com', '--dir', out]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('kept the existing hub CA');
    expect(readFileSync(join(out, 'hub-ca.pem'), 'utf8')).toBe(ca);
  });

  it('hcc-cloud tls-init checks an operator-provided certificate and writes nothing when it does not fit', async () => {
    const ca = await createCa(join(dir, 'op-ca'), { commonName: 'operator CA' });
    const other = await createCa(join(dir, 'op-other'), { commonName: 'other CA' });
    const cert = await issueServerCert(
      ca,
      join(dir, 'op-cert'),
      { commonName: 'hub', hosts: ['hub.corp.example'] },
      'hub',
    );
    const out = join(dir, 'tls-op');
    const wrongCa = await cli([
      'tls-init',
      '--hub-name',
      'hub.corp.example',
      '--dir',
      out,
      '--cert',
      cert.certFile,
      '--key',
      cert.keyFile,
      '--ca',
      other.certFile,
    ]);
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.err).toContain('is not signed by the CA');
    const wrongName = await cli([
      'tls-init',
      '--hub-name',
      'nats.corp.example',
      '--dir',
      out,
      '--cert',
      cert.certFile,
      '--key',
      cert.keyFile,
      '--ca',
      ca.certFile,
    ]);
    expect(wrongName.code).toBe(1);
    expect(wrongName.err).toContain('does not name nats.corp.example');
    expect(() => readdirSync(out)).toThrow(); // nothing written
    const ok = await cli([
      'tls-init',
      '--hub-name',
      'hub.corp.example',
      '--dir',
      out,
      '--cert',
      cert.certFile,
      '--key',
      cert.keyFile,
      '--ca',
      ca.certFile,
    ]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, 'hub-ca.pem'))).toEqual(readFileSync(ca.certFile));
    const usage = await cli(['tls-init', '--dir', out]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--hub-name is required');
    const half = await cli(['tls-init', '--hub-name', 'h', '--cert', cert.certFile]);
    expect(half.code).toBe(2);
  });
});
