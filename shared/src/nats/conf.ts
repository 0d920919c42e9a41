/**
 * Renders nats-server configuration files. The hub's and every leaf's configuration is generated
 * from these builders (by the dev stack, the tests and later the control plane); nobody hand-edits one.
 */

import { checkListener } from '../tls/cleartext.ts';

export type ConfValue = string | number | boolean | ConfValue[] | { [key: string]: ConfValue | undefined };

/** Serializes a value in nats-server's config syntax (a superset of JSON; we emit strict JSON-like form). */
export function renderConf(root: Record<string, ConfValue | undefined>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(root)) if (v !== undefined) lines.push(`${k}: ${renderValue(v, '')}`);
  return `${lines.join('\n')}\n`;
}

function renderValue(v: ConfValue, indent: string): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const next = `${indent}  `;
  if (Array.isArray(v)) return `[\n${v.map((x) => `${next}${renderValue(x, next)}`).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined) as [string, ConfValue][];
  return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${renderValue(x, next)}`).join('\n')}\n${indent}}`;
}

export interface HubConfOptions {
  serverName: string;
  /** Client (and monitoring) listen address: loopback unless `allowClearText`. */
  host: string;
  port: number;
  /** Leafnode listen address (defaults to `host`); beyond loopback only with `leafTls`. */
  leafHost?: string;
  leafPort: number;
  storeDir: string;
  /**
   * Allow clear-text listeners beyond loopback (client port without TLS, leafnode port without
   * `leafTls`). Off: such a configuration throws ClearTextListenerError.
   */
  allowClearText?: boolean;
  /** Address the hub advertises to leaves (defaults to leafHost:leafPort). */
  advertise?: string;
  httpPort?: number;
  /**
   * Operator mode (production shape): accounts come from JWTs signed by the operator; the `full`
   * resolver starts with the system account only and learns every other account at runtime.
   * Omitted: an open hub with one global account (kept only for low-level topology tests).
   */
  operator?: HubOperatorOptions;
  /**
   * TLS on the leafnode port (the WAN link). Leaves pin the CA that signed `certFile`; they
   * authenticate with their site account's credentials (no client certificates). Omitted: clear
   * text, for low-level topology tests and the captures that prove the check can fail.
   */
  leafTls?: HubLeafTlsOptions;
}

export interface HubLeafTlsOptions {
  certFile: string;
  keyFile: string;
  /** TLS handshake timeout in seconds (nats-server's default of 0.5 s is short on a slow WAN). */
  timeoutSeconds?: number;
}

export interface HubOperatorOptions {
  operatorJwt: string;
  systemAccount: string;
  systemAccountJwt: string;
  /** Directory where the resolver keeps the account JWTs it was sent. */
  resolverDir: string;
}

/** The cloud hub: JetStream domain `cloud`, accepting leaf connections. */
export function hubConf(o: HubConfOptions): string {
  const op = o.operator;
  const leafHost = o.leafHost ?? o.host;
  const allowed = o.allowClearText === true;
  const allowSetting = 'allowClearText';
  checkListener({ what: 'the hub client port', host: o.host, tls: false, allowed, allowSetting });
  checkListener({ what: 'the hub leafnode port', host: leafHost, tls: !!o.leafTls, allowed, allowSetting });
  return renderConf({
    server_name: o.serverName,
    host: o.host,
    port: o.port,
    http_port: o.httpPort,
    operator: op?.operatorJwt,
    system_account: op?.systemAccount,
    resolver: op
      ? { type: 'full', dir: op.resolverDir, allow_delete: true, interval: '2m', timeout: '5s' }
      : undefined,
    resolver_preload: op ? { [op.systemAccount]: op.systemAccountJwt } : undefined,
    jetstream: {
      domain: 'cloud',
      store_dir: o.storeDir,
      max_memory_store: 268435456,
      max_file_store: 8589934592,
    },
    leafnodes: {
      host: leafHost,
      port: o.leafPort,
      advertise: o.advertise ?? `${leafHost}:${o.leafPort}`,
      tls: o.leafTls && hubLeafTls(o.leafTls),
    },
  });
}

function hubLeafTls(t: HubLeafTlsOptions): ConfValue {
  return {
    cert_file: t.certFile,
    key_file: t.keyFile,
    timeout: t.timeoutSeconds ?? DEFAULT_TLS_TIMEOUT_S,
  };
}

/** Seconds for the leafnode TLS handshake on both ends. */
const DEFAULT_TLS_TIMEOUT_S = 5;

export interface LeafConfOptions {
  serverName: string;
  /** JetStream domain of this leaf: the site id. */
  domain: string;
  host: string;
  port: number;
  storeDir: string;
  /**
   * Leafnode URLs of the hub, e.g. `tls://hub.example.com:7422`. With `hubCaFile` every URL is
   * rendered with the `tls://` scheme; without it they are used as given (clear text).
   */
  hubUrls: string[];
  /**
   * The CA that signed the hub's leafnode certificate (`hub-ca.pem` of the enrollment): the leaf
   * verifies the hub against this CA only, not the system store.
   */
  hubCaFile?: string;
  /** Allow a client listen address beyond loopback (the leaf serves its edge on 127.0.0.1). */
  allowClearText?: boolean;
  httpPort?: number;
  /** Credentials file for the leaf connection (operator mode); omitted in the open dev topology. */
  credentials?: string;
}

/** An edge's leaf server: its own JetStream domain and store, one remote to the hub. */
export function leafConf(o: LeafConfOptions): string {
  checkListener({
    what: 'the leaf client port',
    host: o.host,
    tls: false,
    allowed: o.allowClearText === true,
    allowSetting: 'allowClearText',
  });
  return renderConf({
    server_name: o.serverName,
    host: o.host,
    port: o.port,
    http_port: o.httpPort,
    jetstream: {
      domain: o.domain,
      store_dir: o.storeDir,
      max_memory_store: 134217728,
      max_file_store: 4294967296,
    },
    leafnodes: {
      reconnect: 1,
      remotes: [
        {
          urls: o.hubCaFile ? o.hubUrls.map(tlsLeafUrl) : o.hubUrls,
          credentials: o.credentials,
          tls: o.hubCaFile ? { ca_file: o.hubCaFile, timeout: DEFAULT_TLS_TIMEOUT_S } : undefined,
        },
      ],
    },
  });
}

/** `nats-leaf://h:p`, `nats://h:p` or `h:p` -> `tls://h:p` (the scheme nats-server reads as "TLS required"). */
export function tlsLeafUrl(url: string): string {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(.+)$/i.exec(url.trim());
  return `tls://${m?.[1] ?? url}`;
}
