/**
 * `hcc-edge api-key create LABEL | list | revoke ID` and `hcc-edge customers import FILE | export
 * FILE`: the directory's operator tools, with the same code as the API (api-keys.ts, transfer.ts),
 * on the database the service uses (EDGE_DATABASE_URL, or the embedded PGlite of EDGE_DATA_DIR).
 * PGlite can only be opened by one process: while the edge runs on it, these commands refuse and
 * say so (stop the edge, or import through the API).
 */

import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  adminSocketAlive,
  type Database,
  openDatabase,
  silentLogger,
  systemClock,
  UsageError,
} from '@hcc/shared';
import { edgeLayout } from '../backup/layout.ts';
import { ConfigStore } from '../config/store.ts';
import { EDGE_MIGRATIONS } from '../db/migrations.ts';
import { ApiKeyStore } from '../http/api-keys.ts';
import { CustomerDirectory } from './directory.ts';
import { siteNumberRules } from './record.ts';
import { exportCsv, importCsv } from './transfer.ts';

export interface CliIo {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t), env: process.env };

/** Opens (and migrates) the edge database the service uses; refuses an embedded one in use. */
export async function openEdgeDatabase(
  env: NodeJS.ProcessEnv,
): Promise<{ database: Database; site: string }> {
  const layout = edgeLayout(env);
  if ('dataDir' in layout.database && (await adminSocketAlive(layout.adminSocket)))
    throw new Error(
      `the edge is running on its embedded database (${layout.database.dataDir}), which only it can open: ` +
        'stop it first (systemctl stop hcc-edge), or use the HTTP API (/api/v1/customers)',
    );
  const database = await openDatabase(layout.database);
  try {
    await database.migrate(EDGE_MIGRATIONS);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { database, site: layout.site };
}

async function withDatabase<T>(io: CliIo, fn: (db: Database, site: string) => Promise<T>): Promise<T> {
  const { database, site } = await openEdgeDatabase(io.env);
  try {
    return await fn(database, site);
  } finally {
    await database.close();
  }
}

export async function apiKeyCommand(args: string[], io: CliIo = defaultIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const label = rest.join(' ').trim();
    if (!label) throw new UsageError('a label is required, e.g. `api-key create crm-sync`');
    return withDatabase(io, async (database) => {
      const { id, key } = await new ApiKeyStore(database.db, systemClock).create(label);
      io.out(`${key}\n`);
      process.stderr.write(
        `created API key ${id} (${label}). The line above is the key: it is shown only this once and ` +
          'stored only as a hash. Send it as `Authorization: Bearer <key>`.\n',
      );
      return 0;
    });
  }
  if (sub === 'list') {
    if (rest.length) throw new UsageError('list takes no arguments');
    return withDatabase(io, async (database) => {
      const keys = await new ApiKeyStore(database.db, systemClock).list();
      io.out('id                created                   last used                 state    label\n');
      for (const k of keys)
        io.out(
          `${k.id}  ${k.createdAt.toISOString().padEnd(24)}  ${(k.lastUsedAt?.toISOString() ?? 'never').padEnd(24)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.label}\n`,
        );
      return 0;
    });
  }
  if (sub === 'revoke') {
    if (rest.length !== 1 || !/^[0-9a-f]{16}$/.test(rest[0]!))
      throw new UsageError('revoke takes the key id (16 hex digits, see `api-key list`)');
    return withDatabase(io, async (database) => {
      const done = await new ApiKeyStore(database.db, systemClock).revoke(rest[0]!);
      io.out(done ? `revoked ${rest[0]}\n` : `no active key ${rest[0]}\n`);
      return done ? 0 : 1;
    });
  }
  throw new UsageError(`unknown subcommand "${sub ?? ''}" (create, list, revoke)`);
}

export async function customersCommand(args: string[], io: CliIo = defaultIo): Promise<number> {
  const [sub, file, ...rest] = args;
  if ((sub !== 'import' && sub !== 'export') || !file || rest.length)
    throw new UsageError('import FILE | export FILE');
  return withDatabase(io, async (database) => {
    const dir = await directoryOf(database);
    if (sub === 'import') {
      const started = Date.now();
      const r = await importCsv(dir, createReadStream(file));
      for (const e of r.errors) io.out(`line ${e.line}: ${e.message}\n`);
      if (r.errorsTruncated) io.out(`(only the first ${r.errors.length} errors are listed)\n`);
      io.out(
        `${r.stored} customers stored, ${r.failed} rows refused, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      return r.failed ? 1 : 0;
    }
    const out = (await open(file, 'wx', 0o600)).createWriteStream();
    let rows = -1;
    for await (const line of exportCsv(dir)) {
      rows++;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    io.out(`${rows} customers written to ${file} (customer data: keep it like the site's database)\n`);
    return 0;
  });
}

async function directoryOf(database: Database): Promise<CustomerDirectory> {
  const bundle = await new ConfigStore(database.db, { site: '', publicKeys: new Map() }, silentLogger).load();
  const rules = siteNumberRules(bundle?.trunks);
  return new CustomerDirectory(database.db, () => rules);
}
