import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertFiles,
  checkServerCert,
  createCa,
  ensureCa,
  issueServerCert,
  subjectAltNames,
  TlsMaterialError,
} from './ca.ts';

describe('private CA (openssl)', () => {
  let dir: string;
  let ca: CertFiles;
  let server: CertFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcc-ca-'));
    ca = await createCa(join(dir, 'ca'), { commonName: 'hcc test CA' });
    server = await issueServerCert(
      ca,
      join(dir, 'hub'),
      { commonName: 'hub', hosts: ['hub.example.com', '10.1.2.3', '::1'] },
      'leaf',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA that can sign, with its key readable by the owner only', () => {
    const cert = new X509Certificate(readFileSync(ca.certFile));
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=hcc test CA');
    expect(statSync(ca.keyFile).mode & 0o777).toBe(0o600);
  });

  it('issues a server certificate for loopback and the given names, signed by the CA', () => {
    const cert = new X509Certificate(readFileSync(server.certFile));
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(readFileSync(ca.certFile)))).toBe(true);
    for (const ip of ['127.0.0.1', '10.1.2.3', '::1']) expect(cert.checkIP(ip)).toBe(ip);
    for (const host of ['localhost', 'hub.example.com']) expect(cert.checkHost(host)).toBe(host);
    expect(cert.checkHost('other.example.com')).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(statSync(server.keyFile).mode & 0o777).toBe(0o600);
    expect(
      checkServerCert(server, ca.certFile, ['hub.example.com', '10.1.2.3']).validTo.getTime(),
    ).toBeGreaterThan(Date.now() + 800 * 86_400_000);
  });

  it('keeps an existing CA (ensureCa) instead of making a new one', async () => {
    const again = await ensureCa(join(dir, 'ca'), { commonName: 'hcc test CA' });
    expect(readFileSync(again.certFile, 'utf8')).toBe(readFileSync(ca.certFile, 'utf8'));
  });

  it('refuses a certificate of another CA, another key, or a missing name', async () => {
    const other = await createCa(join(dir, 'other'), { commonName: 'other CA' });
    expect(() => checkServerCert(server, other.certFile)).toThrow(/not signed by the CA/);
    const wrongKey = { certFile: server.certFile, keyFile: other.keyFile };
    expect(() => checkServerCert(wrongKey, ca.certFile)).toThrow(/is not the key of/);
    expect(() => checkServerCert(server, ca.certFile, ['nats.example.org'])).toThrow(
      /does not name nats.example.org/,
    );
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => checkServerCert({ certFile: junk, keyFile: server.keyFile }, ca.certFile)).toThrow(
      TlsMaterialError,
    );
  });

  it('rejects names that are neither host names nor addresses, before running openssl', async () => {
    expect(subjectAltNames(['Hub.Example.com', '127.0.0.1', '[fe80::1]'])).toBe(
      'IP:127.0.0.1,DNS:localhost,DNS:hub.example.com,IP:fe80::1',
    );
    expect(() => subjectAltNames(['bad host,DNS:evil'])).toThrow(TlsMaterialError);
    await expect(
      issueServerCert(ca, join(dir, 'x'), { commonName: 'x/CN=evil', hosts: [] }, 'x'),
    ).rejects.toThrow(TlsMaterialError);
  });
});
