/**
 * HTTPS for the edge's HTTP surface (API, agent desktop, supervisor view): when EDGE_TLS_CERT and
 * EDGE_TLS_KEY name PEM files, the server is node:https with them (the same pair the desktop's SIP
 * WebSocket uses for WSS) and the agent session cookie is marked Secure. The serving and the pair's
 * checks are shared with the cloud (`serveHttp`, `readTlsPair` in @hcc/shared).
 */
import { readTlsPair, serveHttp, type TlsPair } from '@hcc/shared';

export type { TlsPair };

/**
 * The certificate and key of EDGE_TLS_CERT/EDGE_TLS_KEY, or undefined for plain HTTP. One without the
 * other, an unreadable file or a key that is not the certificate's stops the start with a clear error.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsPair | undefined {
  return readTlsPair('EDGE_TLS_CERT', 'EDGE_TLS_KEY', env);
}

/** Serves `fetch` over HTTPS when `tls` is given, HTTP otherwise; returns the server and its base URL. */
export const serveEdgeHttp = serveHttp;
