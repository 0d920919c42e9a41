/**
 * PostgreSQL databases are backed up with the server's own tools: `pg_dump --format=custom` (one
 * consistent snapshot while the service keeps writing) and `pg_restore`. The password travels in
 * PGPASSWORD, never on a command line that `ps` shows.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';

/** The URL without its password, and the password for PGPASSWORD. */
function split(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 8192) err += d.toString();
    });
    child.once('error', (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`${command} not found: install postgresql-client`)
          : e,
      ),
    );
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} failed (${code}): ${err.trim().split('\n').at(-1) ?? ''}`)),
    );
  });
}

/** `pg_dump --format=custom` of the database at `url` into `file`. */
export async function pgDump(url: string, file: string): Promise<void> {
  const { dbname, env } = split(url);
  await run('pg_dump', ['--format=custom', '--compress=0', '--file', file, '--dbname', dbname], env);
}

/**
 * Restores a custom-format dump into the database at `url` in one transaction (all or nothing);
 * `clean` drops the objects the dump holds first. Objects get the connecting user as owner.
 */
export async function pgRestore(url: string, file: string, o: { clean: boolean }): Promise<void> {
  const { dbname, env } = split(url);
  await run(
    'pg_restore',
    [
      '--no-owner',
      '--exit-on-error',
      '--single-transaction',
      ...(o.clean ? ['--clean', '--if-exists'] : []),
      '--dbname',
      dbname,
      file,
    ],
    env,
  );
}

/** Runs statements on the database at `url` (e.g. roles a dump's GRANTs name). */
export async function pgExec(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** Tables outside the system schemas: a database with none is fresh. */
export async function pgTableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>(
      `select count(*) as n from information_schema.tables
        where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
