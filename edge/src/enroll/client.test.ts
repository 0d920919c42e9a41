import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudBaseUrl, fetchGrant } from './client.ts';

const GRANT = {
  siteId: 'hq',
  tenantId: 'acme',
  account: `A${'C'.repeat(55)}`,
  leafCredentials: '-----BEGIN NATS USER JWT-----\nx\n------END NATS USER JWT------\n',
  hubLeafUrls: ['nats-leaf://hub:7422'],
  hubCaPem: '',
  configSigningPublicKeys: ['-----BEGIN PUBLIC KEY-----\nk\n-----END PUBLIC KEY-----\n'],
};

/** A private CA and a certificate for 127.0.0.1 signed by it (openssl, as an operator would make them). */
function makeCa(dir: string): { caFile: string; key: string; cert: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test cloud CA',
  );
  ssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'srv.key',
    '-out',
    'srv.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'srv.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'srv.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'srv.key'), 'utf8'),
    cert: readFileSync(join(dir, 'srv.pem'), 'utf8'),
  };
}

// The enroll client against a real HTTPS server whose certificate a private CA signed: refused
// until that CA is passed with --ca-file; each failure is one clear line.
describe('enroll client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-enroll-tls-'));
  let server: Server;
  let url: URL;
  let caFile: string;
  let answer: { status: number; body: unknown } = { status: 200, body: GRANT };

  beforeAll(async () => {
    const ca = makeCa(dir);
    caFile = ca.caFile;
    server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    url = new URL(`https://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a certificate its CA did not come with, and takes it with --ca-file', async () => {
    answer = { status: 200, body: GRANT };
    await expect(fetchGrant(url, 'hcce_x')).rejects.toThrow(
      /^certificate not trusted for 127\.0\.0\.1:\d+ \(\w+\): pass .* --ca-file$/,
    );
    expect(await fetchGrant(url, 'hcce_x', { caFile })).toEqual(GRANT);
  });

  it("maps the cloud's refusals and bad answers to one line each", async () => {
    const cases: [number, unknown, RegExp][] = [
      [410, { error: 'token_used', message: 'x' }, /^token already used/],
      [410, { error: 'token_expired', message: 'x' }, /^token expired/],
      [401, { error: 'token_unknown', message: 'x' }, /^unknown token/],
      [500, { error: 'internal', message: 'internal error' }, /^cloud answered 500: internal error$/],
      [200, { ...GRANT, siteId: 'Not A Site' }, /answered an invalid grant \(siteId\)/],
    ];
    for (const [status, body, re] of cases) {
      answer = { status, body };
      await expect(fetchGrant(url, 'hcce_x', { caFile })).rejects.toThrow(re);
    }
  });

  it('cannot reach a closed port, and refuses plain http except to loopback', async () => {
    const closed = new URL(`https://127.0.0.1:${await freePort()}`);
    await expect(fetchGrant(closed, 'hcce_x', { caFile })).rejects.toThrow(
      /^cannot reach cloud https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/,
    );
    expect(() => cloudBaseUrl('http://cloud.example.com')).toThrow(
      /refusing plain http:\/\/ to cloud\.example\.com/,
    );
    expect(() => cloudBaseUrl('ftp://x')).toThrow(/not an https/);
    expect(cloudBaseUrl('http://127.0.0.1:8080').host).toBe('127.0.0.1:8080');
    expect(cloudBaseUrl('http://[::1]:8080').hostname).toBe('[::1]');
  });
});
