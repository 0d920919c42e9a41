/**
 * Renders nats-server configuration files. The hub's and every leaf's configuration is generated
 * from these builders (by the dev stack, the tests and later the control plane); nobody hand-edits one.
 */

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
  host: string;
  port: number;
  leafPort: number;
  /** Address the leafnode listener binds (defaults to `host`). */
  leafHost?: string;
  storeDir: string;
  /** Address the hub advertises to leaves (defaults to host:leafPort). */
  advertise?: string;
  httpPort?: number;
  /**
   * Operator mode (production shape): accounts come from JWTs signed by the operator; the `full`
   * resolver starts with the system account only and learns every other account at runtime.
   * Omitted: an open hub with one global account (kept only for low-level topology tests).
   */
  operator?: HubOperatorOptions;
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
      host: o.leafHost ?? o.host,
      port: o.leafPort,
      advertise: o.advertise ?? `${o.leafHost ?? o.host}:${o.leafPort}`,
    },
  });
}

export interface LeafConfOptions {
  serverName: string;
  /** JetStream domain of this leaf: the site id. */
  domain: string;
  host: string;
  port: number;
  storeDir: string;
  /** nats-leaf URLs of the hub, e.g. `nats-leaf://127.0.0.1:17422`. */
  hubUrls: string[];
  httpPort?: number;
  /** Credentials file for the leaf connection (operator mode); omitted in the open dev topology. */
  credentials?: string;
}

/** An edge's leaf server: its own JetStream domain and store, one remote to the hub. */
export function leafConf(o: LeafConfOptions): string {
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
      remotes: [{ urls: o.hubUrls, credentials: o.credentials }],
    },
  });
}
