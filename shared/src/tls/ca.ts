/**
 * A small private certificate authority for the hub's leafnode TLS (and the cloud's HTTPS in the dev
 * stack): make a CA once, issue server certificates signed by it. Built on Debian's `openssl` CLI
 * (ECDSA P-256, SHA-256) rather than an npm X.509 library: it is already on every host, operators
 * know it and can reproduce or inspect each step, and the JavaScript choices need a process-wide
 * `reflect-metadata` polyfill (@peculiar/x509) or are unmaintained (node-forge, no EC keys).
 * Certificates are read back with Node's own `X509Certificate` to check what was made.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** TLS material could not be made or does not fit (bad name, openssl missing, mismatched files). */
export class TlsMaterialError extends Error {
  override readonly name = 'TlsMaterialError';
}

/** A certificate and its private key, as PEM files. */
export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export interface CaOptions {
  commonName: string;
  /** Validity in days (default 10 years: the CA is pinned by every enrolled edge). */
  days?: number;
}

export interface ServerCertOptions {
  commonName: string;
  /** Host names and IP addresses the certificate is valid for, besides 127.0.0.1 and localhost. */
  hosts?: readonly string[];
  /** Validity in days (default 825, the longest browsers accept for a server certificate). */
  days?: number;
  /**
   * Also valid as a TLS client certificate (extendedKeyUsage clientAuth): a SIP peer that both
   * accepts and opens TLS connections with one certificate (a trunk, RFC 5922).
   */
  clientAuth?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const HOST =
  /^(?=.{1,253}$)([A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new TlsMaterialError('openssl not found (Debian package "openssl")');
    throw new TlsMaterialError(
      `openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`,
      {
        cause: err,
      },
    );
  }
}

function checkName(what: string, name: string): void {
  if (!NAME.test(name)) throw new TlsMaterialError(`${what} "${name}": use letters, digits, space, . _ -`);
}

/** The subjectAltName value for `hosts` plus loopback, each once. */
export function subjectAltNames(hosts: readonly string[] = []): string {
  const all = ['127.0.0.1', 'localhost', ...hosts.map((h) => h.trim()).filter(Boolean)];
  const out: string[] = [];
  for (const h of all) {
    const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
    let entry: string;
    if (isIP(bare)) entry = `IP:${bare}`;
    else if (HOST.test(bare)) entry = `DNS:${bare.toLowerCase()}`;
    else throw new TlsMaterialError(`"${h}" is neither a host name nor an IP address`);
    if (!out.includes(entry)) out.push(entry);
  }
  return out.join(',');
}

function secretFile(path: string): void {
  chmodSync(path, 0o600);
}

/** Makes a self-signed CA (`<dir>/<base>.pem`, key `<dir>/<base>.key` mode 0600). */
export async function createCa(dir: string, o: CaOptions, base = 'ca'): Promise<CertFiles> {
  checkName('CA name', o.commonName);
  mkdirSync(dir, { recursive: true });
  const files = { certFile: join(dir, `${base}.pem`), keyFile: join(dir, `${base}.key`) };
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-sha256',
    '-nodes',
    '-keyout',
    files.keyFile,
    '-out',
    files.certFile,
    '-days',
    String(o.days ?? 3650),
    '-subj',
    `/CN=${o.commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  secretFile(files.keyFile);
  return files;
}

/**
 * Issues a server certificate signed by `ca` for 127.0.0.1, localhost and `o.hosts`
 * (`<dir>/<base>.pem`, key `<dir>/<base>.key` mode 0600).
 */
export async function issueServerCert(
  ca: CertFiles,
  dir: string,
  o: ServerCertOptions,
  base: string,
): Promise<CertFiles> {
  checkName('certificate name', o.commonName);
  const san = subjectAltNames(o.hosts);
  mkdirSync(dir, { recursive: true });
  const files = { certFile: join(dir, `${base}.pem`), keyFile: join(dir, `${base}.key`) };
  const work = mkdtempSync(join(dir, '.issue-'));
  try {
    const csr = join(work, 'req.csr');
    const ext = join(work, 'ext.cnf');
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        `extendedKeyUsage=serverAuth${o.clientAuth ? ',clientAuth' : ''}`,
        `subjectAltName=${san}`,
        '',
      ].join('\n'),
    );
    await openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      files.keyFile,
      '-out',
      csr,
      '-subj',
      `/CN=${o.commonName}`,
    ]);
    secretFile(files.keyFile);
    await openssl([
      'x509',
      '-req',
      '-sha256',
      '-in',
      csr,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      `0x${randomSerial()}`,
      '-days',
      String(o.days ?? 825),
      '-extfile',
      ext,
      '-out',
      files.certFile,
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return files;
}

function randomSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, no leading zero byte
  return Buffer.from(b).toString('hex');
}

/** The CA in `dir` if one is there, else a new one: a dev CA is made on first start and kept. */
export async function ensureCa(dir: string, o: CaOptions, base = 'ca'): Promise<CertFiles> {
  const files = { certFile: join(dir, `${base}.pem`), keyFile: join(dir, `${base}.key`) };
  if (existsSync(files.certFile) && existsSync(files.keyFile)) return files;
  return createCa(dir, o, base);
}

/**
 * Checks that `cert` was issued by `caFile`, is valid now (and for `minDays` more), matches its key,
 * and names every host in `hosts`. Returns the certificate's expiry; throws TlsMaterialError otherwise.
 */
export function checkServerCert(
  cert: CertFiles,
  caFile: string,
  hosts: readonly string[] = [],
  minDays = 0,
): { validTo: Date } {
  const read = (f: string) => {
    try {
      return readFileSync(f);
    } catch (err) {
      throw new TlsMaterialError(`cannot read ${f}: ${(err as Error).message}`, { cause: err });
    }
  };
  let leaf: X509Certificate;
  let ca: X509Certificate;
  try {
    leaf = new X509Certificate(read(cert.certFile));
    ca = new X509Certificate(read(caFile));
  } catch (err) {
    if (err instanceof TlsMaterialError) throw err;
    throw new TlsMaterialError(`not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) {
    throw new TlsMaterialError(`${cert.certFile} is not signed by the CA in ${caFile}`);
  }
  let keyMatches = false;
  try {
    keyMatches = leaf.checkPrivateKey(createPrivateKey(read(cert.keyFile)));
  } catch (err) {
    throw new TlsMaterialError(`${cert.keyFile} is not a PEM private key`, { cause: err });
  }
  if (!keyMatches) throw new TlsMaterialError(`${cert.keyFile} is not the key of ${cert.certFile}`);
  const validTo = new Date(leaf.validTo);
  const now = Date.now();
  if (new Date(leaf.validFrom).getTime() > now || validTo.getTime() < now + minDays * 86_400_000) {
    throw new TlsMaterialError(`${cert.certFile} is not valid now (${leaf.validFrom} - ${leaf.validTo})`);
  }
  for (const h of hosts) {
    const ok = isIP(h) ? leaf.checkIP(h) !== undefined : leaf.checkHost(h) !== undefined;
    if (!ok)
      throw new TlsMaterialError(`${cert.certFile} does not name ${h} (${leaf.subjectAltName ?? 'no SAN'})`);
  }
  return { validTo };
}

/**
 * Checks that a PEM certificate (the first of a chain) parses, is valid now, and that `keyPem` is
 * its private key (an operator-provided certificate of a public CA: no issuer to check here).
 */
export function checkCertKeyPair(
  certPem: string,
  keyPem: string,
): { validTo: Date; subjectAltName?: string } {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch (err) {
    throw new TlsMaterialError(`not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch (err) {
    throw new TlsMaterialError('not a PEM private key', { cause: err });
  }
  if (!matches) throw new TlsMaterialError('the key does not belong to the certificate');
  const validTo = new Date(leaf.validTo);
  if (new Date(leaf.validFrom).getTime() > Date.now() || validTo.getTime() < Date.now())
    throw new TlsMaterialError(`the certificate is not valid now (${leaf.validFrom} - ${leaf.validTo})`);
  return { validTo, subjectAltName: leaf.subjectAltName };
}
