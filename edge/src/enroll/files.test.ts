import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Grant } from './client.ts';
import { readEnrollment, writeEnrollment } from './files.ts';

const grant = (over: Partial<Grant> = {}): Grant => ({
  siteId: 'hq',
  tenantId: 'acme',
  account: `A${'B'.repeat(55)}`,
  leafCredentials: '-----BEGIN NATS USER JWT-----\njwt\n------END NATS USER JWT------\n',
  hubLeafUrls: ['nats-leaf://hub-1:7422', 'nats-leaf://hub-2:7422'],
  hubCaPem: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----',
  configSigningPublicKeys: [
    '-----BEGIN PUBLIC KEY-----\nk1\n-----END PUBLIC KEY-----',
    '-----BEGIN PUBLIC KEY-----\nk2\n-----END PUBLIC KEY-----',
  ],
  ...over,
});
const leaf = { port: 14223, storeDir: '/var/lib/hcc-edge/nats' };

describe('writeEnrollment', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'hcc-enroll-files-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes every file 0600, a leaf.conf for the site and its hubs, and leaves no temp dir', () => {
    const dir = join(tmp(), 'etc-hcc');
    writeEnrollment(dir, grant(), { cloudUrl: 'https://cloud.example', leaf, now: new Date(0) });
    expect(readdirSync(dir).sort()).toEqual([
      'config-signing.pem',
      'enrollment.json',
      'hub-ca.pem',
      'leaf.conf',
      'leaf.creds',
    ]);
    for (const f of readdirSync(dir)) expect((statSync(join(dir, f)).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect(readEnrollment(dir)).toEqual({
      siteId: 'hq',
      tenantId: 'acme',
      cloudUrl: 'https://cloud.example',
      hubLeafUrls: ['nats-leaf://hub-1:7422', 'nats-leaf://hub-2:7422'],
      account: `A${'B'.repeat(55)}`,
      enrolledAt: '1970-01-01T00:00:00.000Z',
    });
    const conf = readFileSync(join(dir, 'leaf.conf'), 'utf8');
    expect(conf).toContain('"domain": "hq"');
    expect(conf).toContain('port: 14223');
    // A grant with the hub's CA: the remote is TLS to every hub URL, pinned to that CA.
    expect(conf).toContain('"tls://hub-2:7422"');
    expect(conf).toContain(`"ca_file": "${join(dir, 'hub-ca.pem')}"`);
    expect(conf).toContain(`"credentials": "${join(dir, 'leaf.creds')}"`);
    expect(readFileSync(join(dir, 'config-signing.pem'), 'utf8').match(/BEGIN PUBLIC KEY/g)).toHaveLength(2);
  });

  it('leaves the previous enrollment whole when a file cannot be put in place', () => {
    const dir = tmp();
    writeEnrollment(dir, grant(), { cloudUrl: 'https://a.example', leaf });
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    // leaf.conf is replaced after leaf.creds and config-signing.pem: make its rename fail.
    rmSync(join(dir, 'leaf.conf'));
    mkdirSync(join(dir, 'leaf.conf', 'x'), { recursive: true });
    delete before['leaf.conf'];
    expect(() =>
      writeEnrollment(dir, grant({ siteId: 'branch', leafCredentials: 'other' }), {
        cloudUrl: 'https://b.example',
        leaf,
      }),
    ).toThrow();
    for (const [f, text] of Object.entries(before))
      expect({ f, text: readFileSync(join(dir, f), 'utf8') }).toEqual({ f, text });
    expect(readdirSync(dir).filter((f) => f.startsWith('.enroll-'))).toEqual([]);
  });

  it('drops a pinned CA when the new grant has none', () => {
    const dir = tmp();
    writeEnrollment(dir, grant(), { cloudUrl: 'https://a.example', leaf });
    writeEnrollment(dir, grant({ hubCaPem: '' }), { cloudUrl: 'https://a.example', leaf });
    expect(readdirSync(dir)).not.toContain('hub-ca.pem');
  });
});
