import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { leafConf } from '@hcc/shared';
import type { Grant } from './client.ts';

/** The files of an enrollment directory (see the README: EDGE_ENROLL_DIR). */
export const ENROLL_FILES = {
  enrollment: 'enrollment.json',
  creds: 'leaf.creds',
  hubCa: 'hub-ca.pem',
  signing: 'config-signing.pem',
  leafConf: 'leaf.conf',
} as const;

/** `enrollment.json`: who this site is and where its cloud is. */
export interface EnrollmentRecord {
  siteId: string;
  tenantId: string;
  cloudUrl: string;
  hubLeafUrls: string[];
  account: string;
  enrolledAt: string;
}

export interface LeafOptions {
  /** Leaf nats-server client port on 127.0.0.1 (EDGE_LEAF_PORT, default 14223). */
  port: number;
  /** JetStream store of the leaf (EDGE_LEAF_STORE_DIR, default /var/lib/hcc-edge/nats). */
  storeDir: string;
}

/** Reads `enrollment.json` of a directory, or undefined when it has none. */
export function readEnrollment(dir: string): EnrollmentRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, ENROLL_FILES.enrollment), 'utf8')) as EnrollmentRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The leaf's nats-server config for the grant: domain = site, one remote to every hub URL. */
export function renderLeafConf(dir: string, grant: Grant, leaf: LeafOptions): string {
  return leafConf({
    serverName: `leaf-${grant.siteId}`,
    domain: grant.siteId,
    host: '127.0.0.1',
    port: leaf.port,
    storeDir: resolve(leaf.storeDir),
    hubUrls: grant.hubLeafUrls,
    credentials: join(resolve(dir), ENROLL_FILES.creds),
    // The leaf verifies the hub's leafnode certificate against the CA the cloud handed out (pinned).
    hubCaFile: grant.hubCaPem ? join(resolve(dir), ENROLL_FILES.hubCa) : undefined,
  });
}

/** The uid/gid of the `hcc` system user (the package creates it), when it exists and we may chown. */
function hccOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'hcc') return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no passwd file: leave the owner as is
  }
  return undefined;
}

function writeDurable(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Renames the new files from `tmp` over `dir`'s; when one rename fails, the files already replaced
 * get their previous versions back (kept as hard links in `tmp/prev`), so `dir` is left as it was.
 */
function placeAll(dir: string, tmp: string, names: string[]): void {
  const prev = join(tmp, 'prev');
  mkdirSync(prev);
  for (const name of names) {
    try {
      linkSync(join(dir, name), join(prev, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const placed: string[] = [];
  try {
    for (const name of names) {
      renameSync(join(tmp, name), join(dir, name));
      placed.push(name);
    }
  } catch (err) {
    for (const name of placed) {
      if (existsSync(join(prev, name))) renameSync(join(prev, name), join(dir, name));
      else rmSync(join(dir, name), { force: true });
    }
    throw err;
  }
}

/**
 * Writes the enrollment into `dir` (created 0700 if missing): every file first into a private temp
 * directory inside `dir`, then renamed into place (rolled back if a rename fails), so a failure
 * leaves the previous enrollment whole. Each file is mode 0600, owned by `hcc` when that user exists and we run as root.
 */
export function writeEnrollment(
  dir: string,
  grant: Grant,
  o: { cloudUrl: string; leaf: LeafOptions; now?: Date },
): string[] {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = hccOwner();
  // A directory made here belongs to the service's user too (it must read the files inside).
  if (created && owner) chownSync(dir, owner.uid, owner.gid);
  const record: EnrollmentRecord = {
    siteId: grant.siteId,
    tenantId: grant.tenantId,
    cloudUrl: o.cloudUrl,
    hubLeafUrls: grant.hubLeafUrls,
    account: grant.account,
    enrolledAt: (o.now ?? new Date()).toISOString(),
  };
  const files: [string, string][] = [
    [ENROLL_FILES.creds, grant.leafCredentials],
    [ENROLL_FILES.signing, grant.configSigningPublicKeys.map((k) => `${k.trim()}\n`).join('')],
    [ENROLL_FILES.leafConf, renderLeafConf(dir, grant, o.leaf)],
  ];
  if (grant.hubCaPem.trim()) files.push([ENROLL_FILES.hubCa, `${grant.hubCaPem.trim()}\n`]);
  // enrollment.json last: a reader that sees it sees the rest.
  files.push([ENROLL_FILES.enrollment, `${JSON.stringify(record, null, 2)}\n`]);
  const tmp = join(dir, `.enroll-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    for (const [name, text] of files) {
      const p = join(tmp, name);
      writeDurable(p, text);
      if (owner) chownSync(p, owner.uid, owner.gid);
    }
    placeAll(
      dir,
      tmp,
      files.map(([name]) => name),
    );
    // No CA in this grant: a pinned CA of an earlier enrollment would no longer match the hub.
    if (!grant.hubCaPem.trim()) rmSync(join(dir, ENROLL_FILES.hubCa), { force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return files.map(([name]) => join(dir, name));
}
