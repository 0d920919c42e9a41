import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, type ManagedChild, startChild, waitFor } from '../process/child.ts';

/** A throwaway PostgreSQL server owned by the test run (real PostgreSQL, never a mock). */
export interface TestPostgres {
  /** Superuser URL of the server (database `postgres`). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Directory of the newest installed PostgreSQL server binaries (Debian layout). */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install -y postgresql',
    );
  }
  return join(base, versions[0]!, 'bin');
}

/**
 * Starts a private PostgreSQL server (trust auth, loopback only, fsync off) in a temp dir.
 * When running as root, the server runs as the `postgres` system user, since PostgreSQL refuses root.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), 'hcc-pg-'));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const sockDir = join(root, 'sock');
  mkdirSync(dataDir);
  mkdirSync(sockDir);
  const asRoot = userInfo().uid === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
    chownSync(sockDir, uid, gid);
  }
  const [initCmd, initArgs] = wrap(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = wrap(join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    sockDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=300',
  ]);
  const child: ManagedChild = startChild({ name: 'postgres', command: cmd, args });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(
    'PostgreSQL to accept connections',
    async () => {
      if (child.process.exitCode !== null) throw new Error(`postgres exited:\n${child.tail()}`);
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } finally {
        await c.end().catch(() => {});
      }
    },
    30_000,
    100,
  );
  return {
    url,
    async stop() {
      await child.stop(10_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh database on the test server; returns its URL and a function that drops it. */
export async function createTestDatabase(
  serverUrl: string,
  prefix = 't',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
