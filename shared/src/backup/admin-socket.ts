/**
 * A running service's local admin socket: a unix socket (mode 0600) in its data dir on which
 * `backup` asks the service for a consistent copy of its embedded database (PGlite can only be
 * opened by the process that runs it), and by which `restore` knows the service is running. Only
 * the service's own user (and root) can connect; nothing listens on the network.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type RequestListener, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Database } from '../db/open.ts';
import type { Logger } from '../log/logger.ts';

export const ADMIN_SOCKET_NAME = 'admin.sock';
const DUMP_PATH = '/v1/database-dump';

/** Whether a process answers on the socket (a stale socket file of a dead process does not). */
export function adminSocketAlive(path: string, timeoutMs = 1000): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (alive: boolean) => {
      s.destroy();
      resolve(alive);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface AdminSocket {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Serves the admin socket for `database` at `path` (a stale socket file is replaced). `more` answers
 * the requests for other paths (a service's own operator commands); without it they get 404.
 */
export async function serveAdminSocket(
  path: string,
  database: Database,
  log: Logger,
  more?: RequestListener,
): Promise<AdminSocket> {
  // sockaddr_un holds 108 bytes with the terminating NUL.
  if (Buffer.byteLength(path) > 107)
    throw new Error(`the admin socket path ${path} is longer than 107 bytes: use a shorter data dir`);
  if (await adminSocketAlive(path))
    throw new Error(`another process serves ${path}: is the service running twice?`);
  await rm(path, { force: true });
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== DUMP_PATH) {
      if (more) more(req, res);
      else res.writeHead(404).end();
      return;
    }
    if (!database.dump) {
      res
        .writeHead(409, { 'content-type': 'text/plain' })
        .end(`the ${database.kind} database is not dumped by the service`);
      return;
    }
    const started = Date.now();
    database
      .dump()
      .then(async (blob) => {
        res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': String(blob.size) });
        const buf = Buffer.from(await blob.arrayBuffer());
        res.end(buf);
        log.info({ bytes: blob.size, ms: Date.now() - started }, 'database dumped for a backup');
      })
      .catch((err: unknown) => {
        log.error({ err: String(err) }, 'database dump for a backup failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('database dump failed');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    path,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}

/** Asks the service on `socketPath` for its database dump and writes it to `file`. */
export function fetchDatabaseDump(socketPath: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: DUMP_PATH, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () =>
          reject(new Error(`the service refused the database dump (${res.statusCode}): ${body}`)),
        );
        return;
      }
      pipeline(res, createWriteStream(file, { mode: 0o600, flags: 'wx' })).then(resolve, reject);
    });
    req.once('error', reject);
    req.end();
  });
}
