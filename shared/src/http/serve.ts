/**
 * One way to serve a Hono app over HTTP or, given a certificate and key, HTTPS (node:https), with
 * the rule that a clear-text listener beyond loopback needs an explicit setting. The cloud and the
 * edge (edge/src/http/desktop-tls.ts) both serve through it.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type ServerType, serve } from '@hono/node-server';
import { ConfigError } from '../env/env.ts';
import { checkCertKeyPair } from '../tls/ca.ts';

export interface TlsPair {
  cert: string;
  key: string;
}

/**
 * Reads a PEM certificate (chain) and key named by two settings; both or neither must be set, and
 * the key must be the certificate's. Undefined when neither is set.
 */
export function readTlsPair(
  certVar: string,
  keyVar: string,
  env: NodeJS.ProcessEnv = process.env,
): TlsPair | undefined {
  const certFile = env[certVar] || undefined;
  const keyFile = env[keyVar] || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new ConfigError(`${certVar} and ${keyVar} go together: set both or neither`);
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  };
  const pair = { cert: read(certVar, certFile), key: read(keyVar, keyFile) };
  try {
    checkCertKeyPair(pair.cert, pair.key);
  } catch (err) {
    throw new ConfigError(`${certVar}/${keyVar}: ${(err as Error).message}`);
  }
  return pair;
}

/** Serves `fetch` over HTTPS when `tls` is given, HTTP otherwise; returns the server and its base URL. */
export function serveHttp(o: {
  fetch: (req: Request) => Response | Promise<Response>;
  hostname: string;
  port: number;
  tls: TlsPair | undefined;
}): { server: ServerType; url: string } {
  const host = o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname;
  if (!o.tls) {
    const server = serve({ fetch: o.fetch, hostname: o.hostname, port: o.port });
    return { server, url: `http://${host}:${o.port}` };
  }
  const server = serve({
    fetch: o.fetch,
    hostname: o.hostname,
    port: o.port,
    createServer: createHttpsServer,
    serverOptions: { cert: o.tls.cert, key: o.tls.key },
  });
  return { server, url: `https://${host}:${o.port}` };
}
