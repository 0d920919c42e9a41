/**
 * `hcc-edge api-key create LABEL | list | revoke ID` and `hcc-edge customers import FILE | export
 * FILE`: the directory's operator tools, with the same code as the API (api-keys.ts, transfer.ts,
 * customers-api.ts). On the database the service uses: PostgreSQL (EDGE_DATABASE_URL) directly;
 * the embedded PGlite of EDGE_DATA_DIR directly when the edge is stopped, and through the running
 * edge's admin socket (directory-admin.ts) when it runs, since only one process can open PGlite.
 */
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
import { type ApiKeyInfo, ApiKeyStore } from '../http/api-keys.ts';
import { CustomerDirectory } from './directory.ts';
import { siteNumberRules } from './record.ts';
import { exportCsv, type ImportReport, importCsv } from './transfer.ts';

export interface CliIo {
  out: (text: string) => void;
  /** Notes for the operator (stderr), kept apart from the output a script reads. */
  note?: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t), env: process.env };
const stderr = (t: string) => process.stderr.write(t);

/** Where the commands reach the directory: a database they open, or the running edge's socket. */
type Target = { socket: string } | { env: NodeJS.ProcessEnv };

async function target(env: NodeJS.ProcessEnv): Promise<Target> {
  const layout = edgeLayout(env);
  if ('dataDir' in layout.database && (await adminSocketAlive(layout.adminSocket)))
    return { socket: layout.adminSocket };
  return { env };
}

/** Opens (and migrates) the edge database the service uses. */
async function withDatabase<T>(env: NodeJS.ProcessEnv, fn: (db: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(edgeLayout(env).database);
  try {
    await database.migrate(EDGE_MIGRATIONS);
    return await fn(database);
  } finally {
    await database.close();
  }
}

export async function apiKeyCommand(args: string[], io: CliIo = defaultIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const label = rest.join(' ').trim();
    if (!label || label.length > 100) throw new UsageError('a label of 1 to 100 characters is required');
    const t = await target(io.env);
    const { id, key } =
      'socket' in t
        ? ((await adminJson(t.socket, 'POST', '/v1/api-keys', JSON.stringify({ label }))) as {
            id: string;
            key: string;
          })
        : await withDatabase(t.env, (d) => new ApiKeyStore(d.db, systemClock).create(label));
    io.out(`${key}\n`);
    (io.note ?? stderr)(
      `created API key ${id} (${label}). The line above is the key: it is shown only this once and ` +
        'stored only as a hash. Send it as `Authorization: Bearer <key>`.\n',
    );
    return 0;
  }
  if (sub === 'list') {
    if (rest.length) throw new UsageError('list takes no arguments');
    const t = await target(io.env);
    const keys: ApiKeyInfo[] =
      'socket' in t
        ? ((await adminJson(t.socket, 'GET', '/v1/api-keys')) as Array<Record<string, string | null>>).map(
            (k) => ({
              id: k.id!,
              label: k.label!,
              createdAt: new Date(k.createdAt!),
              lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt) : null,
              revokedAt: k.revokedAt ? new Date(k.revokedAt) : null,
            }),
          )
        : await withDatabase(t.env, (d) => new ApiKeyStore(d.db, systemClock).list());
    io.out('id                created                   last used                 state    label\n');
    for (const k of keys)
      io.out(
        `${k.id}  ${k.createdAt.toISOString().padEnd(24)}  ${(k.lastUsedAt?.toISOString() ?? 'never').padEnd(24)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.label}\n`,
      );
    return 0;
  }
  if (sub === 'revoke') {
    const id = rest[0];
    if (rest.length !== 1 || !id || !/^[0-9a-f]{16}$/.test(id))
      throw new UsageError('revoke takes the key id (16 hex digits, see `api-key list`)');
    const t = await target(io.env);
    const done =
      'socket' in t
        ? ((await adminJson(t.socket, 'DELETE', `/v1/api-keys/${id}`)) as { revoked: boolean }).revoked
        : await withDatabase(t.env, (d) => new ApiKeyStore(d.db, systemClock).revoke(id));
    io.out(done ? `revoked ${id}\n` : `no active key ${id}\n`);
    return done ? 0 : 1;
  }
  throw new UsageError(`unknown subcommand "${sub ?? ''}" (create, list, revoke)`);
}

export async function customersCommand(args: string[], io: CliIo = defaultIo): Promise<number> {
  const [sub, file, ...rest] = args;
  if ((sub !== 'import' && sub !== 'export') || !file || rest.length)
    throw new UsageError('import FILE | export FILE');
  const t = await target(io.env);
  if (sub === 'import') {
    const started = Date.now();
    const input = createReadStream(file);
    // Open errors (no such file) before anything is sent.
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
    const r =
      'socket' in t
        ? toReport(await adminJson(t.socket, 'POST', '/v1/customers/import', input))
        : await withDatabase(t.env, async (d) => importCsv(await directoryOf(d), input));
    for (const e of r.errors) io.out(`line ${e.line}: ${e.message}\n`);
    if (r.errorsTruncated) io.out(`(only the first ${r.errors.length} errors are listed)\n`);
    io.out(
      `${r.stored} customers stored, ${r.failed} row${r.failed === 1 ? '' : 's'} refused, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return r.failed ? 1 : 0;
  }
  const out = (await open(file, 'wx', 0o600)).createWriteStream();
  let rows = -1;
  try {
    if ('socket' in t) {
      const res = await admin(t.socket, 'GET', '/v1/customers/export');
      if (res.statusCode !== 200) throw new Error(await failure(res));
      // Records end at a newline outside quotes (a note may hold line breaks).
      let quoted = false;
      let last = 0;
      res.on('data', (b: Buffer) => {
        for (const byte of b) {
          if (byte === 0x22) quoted = !quoted;
          else if (byte === 0x0a && !quoted) rows++;
        }
        last = b.at(-1) ?? last;
      });
      await pipeline(res, out);
      if (last !== 0x0a || quoted) throw new Error('the export ended early');
    } else {
      await withDatabase(t.env, async (d) => {
        async function* lines() {
          for await (const line of exportCsv(await directoryOf(d))) {
            rows++;
            yield line;
          }
        }
        await pipeline(lines(), out);
      });
    }
  } catch (err) {
    out.destroy();
    await rm(file, { force: true });
    throw err;
  }
  io.out(`${rows} customers written to ${file} (customer data: keep it like the site's database)\n`);
  return 0;
}

async function directoryOf(database: Database): Promise<CustomerDirectory> {
  const bundle = await new ConfigStore(database.db, { site: '', publicKeys: new Map() }, silentLogger).load();
  const rules = siteNumberRules(bundle?.trunks);
  return new CustomerDirectory(database.db, () => rules);
}

function toReport(body: unknown): ImportReport {
  const b = body as ImportReport & { errors_truncated?: boolean };
  return {
    stored: b.stored,
    failed: b.failed,
    errors: b.errors,
    ...(b.errors_truncated ? { errorsTruncated: true } : {}),
  };
}

function admin(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Readable,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, resolve);
    req.once('error', reject);
    if (typeof body === 'string') req.setHeader('content-type', 'application/json').end(body);
    else if (body) {
      req.setHeader('content-type', 'text/csv');
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    } else req.end();
  });
}

async function bodyText(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of res) parts.push(b as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function failure(res: IncomingMessage): Promise<string> {
  const text = await bodyText(res);
  try {
    const j = JSON.parse(text) as { message?: string };
    return `the edge refused (${res.statusCode}): ${j.message ?? text}`;
  } catch {
    return `the edge refused (${res.statusCode}): ${text.slice(0, 200)}`;
  }
}

async function adminJson(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Readable,
): Promise<unknown> {
  const res = await admin(socketPath, method, path, body);
  if ((res.statusCode ?? 500) >= 300) throw new Error(await failure(res));
  return JSON.parse(await bodyText(res));
}
