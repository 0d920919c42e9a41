/**
 * The hub nats-server's configuration on an installed cloud, rendered from the operator authority
 * and the `CLOUD_HUB_*` settings at every start of `hcc-cloud-nats` (generated, never edited).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { envReader, hubConf, type OperatorMaterial, renderConf } from '@hcc/shared';

export interface HubSettings {
  host: string;
  port: number;
  leafHost: string;
  leafPort: number;
  advertise?: string;
  storeDir: string;
  serverName: string;
  /** The leafnode certificate and key `hcc-cloud tls-init` made (CLOUD_HUB_TLS_DIR, default /etc/hcc/tls). */
  tlsDir: string;
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const e = envReader(env);
  return {
    host: e.str('CLOUD_HUB_HOST', '127.0.0.1'),
    port: e.port('CLOUD_HUB_PORT', 14222),
    leafHost: e.str('CLOUD_HUB_LEAF_HOST', '127.0.0.1'),
    leafPort: e.port('CLOUD_HUB_LEAF_PORT', 17422),
    advertise: e.optional('CLOUD_HUB_ADVERTISE'),
    storeDir: e.str('CLOUD_HUB_STORE_DIR', '/var/lib/hcc-cloud/nats'),
    serverName: e.str('CLOUD_HUB_SERVER_NAME', hostname()),
    tlsDir: e.str('CLOUD_HUB_TLS_DIR', '/etc/hcc/tls'),
  };
}

export function renderHubConf(s: HubSettings, op: OperatorMaterial): string {
  return hubConf({
    serverName: s.serverName,
    host: s.host,
    port: s.port,
    leafHost: s.leafHost,
    leafPort: s.leafPort,
    storeDir: join(s.storeDir, 'js'),
    advertise: s.advertise,
    leafTls: existsSync(join(s.tlsDir, 'hub-leaf.pem'))
      ? { certFile: join(s.tlsDir, 'hub-leaf.pem'), keyFile: join(s.tlsDir, 'hub-leaf.key') }
      : undefined,
    operator: {
      operatorJwt: op.operatorJwt,
      systemAccount: op.systemAccount,
      systemAccountJwt: op.systemAccountJwt,
      resolverDir: join(s.storeDir, 'resolver'),
    },
  });
}

/**
 * The operator part of a hub's configuration alone (operator JWT, system account, its JWT preloaded):
 * what a hub configured elsewhere includes (the Kubernetes StatefulSet's `include` of its Secret).
 */
export function renderOperatorInclude(op: OperatorMaterial): string {
  return renderConf({
    operator: op.operatorJwt,
    system_account: op.systemAccount,
    resolver_preload: { [op.systemAccount]: op.systemAccountJwt },
  });
}
