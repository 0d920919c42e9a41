/**
 * HTTPS for the edge's HTTP surface (API, agent desktop, supervisor view): when EDGE_TLS_CERT and
 * EDGE_TLS_KEY name PEM files, the server is node:https with them (the same pair the desktop's SIP
 * WebSocket uses for WSS) and the agent session cookie is marked Secure.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type ServerType, serve } from '@hono/node-server';

export interface TlsPair {
  cert: string;
  key: string;
}

/** The certificate and key of EDGE_TLS_CERT/EDGE_TLS_KEY, or undefined for plain HTTP. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsPair | undefined {
  if (!env.EDGE_TLS_CERT || !env.EDGE_TLS_KEY) return undefined;
  return { cert: readFileSync(env.EDGE_TLS_CERT, 'utf8'), key: readFileSync(env.EDGE_TLS_KEY, 'utf8') };
}

/** Serves `fetch` over HTTPS when `tls` is given, HTTP otherwise; returns the server and its base URL. */
export function serveEdgeHttp(o: {
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
