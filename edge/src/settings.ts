import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type DatabaseTarget, envReader, names } from '@hcc/shared';
import { type SipProtectionSettings, sipProtectionSettings } from './settings-sip.ts';

/** Everything the edge service reads from its environment, validated once at start. */
export interface EdgeSettings {
  site: string;
  httpHost: string;
  httpPort: number;
  sipHost: string;
  sipPort: number;
  natsUrl: string;
  /** rtpengine ng control addresses (host:port), several for a pool. */
  rtpengines: { host: string; port: number }[];
  dtmfPort: number;
  /**
   * Address the edge receives its rtpengine's DTMF events and voicemail RTP on. rtpengine runs on the
   * edge's host (it writes recordings into the edge's spool), so the default is loopback.
   */
  mediaHost: string;
  dataDir: string;
  database: DatabaseTarget;
  /** Public keys trusted to sign config bundles (PEM). */
  configPublicKeys: string[];
  /** Where prompt files referenced by bundles are looked up. */
  promptsDir: string;
  /** EdgeHeartbeat period (fleet status in the cloud). */
  heartbeatMs: number;
  /** Demo only: JSON with agent SIP passwords, provisioned into the local secret store at start. */
  demoCredentialsFile: string | undefined;
  /** The SIP front door: rate limit, auth bans, overload guard, registration cap, digest policy. */
  sipProtection: SipProtectionSettings;
}

const DEFAULT_PROMPTS = fileURLToPath(new URL('../prompts', import.meta.url));

export function edgeSettings(env: NodeJS.ProcessEnv = process.env): EdgeSettings {
  const e = envReader(env);
  const site = e.str('EDGE_SITE', 'hq');
  names.assertSiteId(site);
  const dataDir = resolve(e.str('EDGE_DATA_DIR', `.data/edge-${site}`));
  const url = e.optional('EDGE_DATABASE_URL');
  const keyFiles = e.list('EDGE_CONFIG_PUBLIC_KEY_FILE', []);
  for (const f of keyFiles)
    if (!existsSync(f)) throw new ConfigError(`EDGE_CONFIG_PUBLIC_KEY_FILE: ${f} does not exist`);
  return {
    site,
    httpHost: e.str('EDGE_HTTP_HOST', '127.0.0.1'),
    httpPort: e.port('EDGE_HTTP_PORT', 8081),
    sipHost: e.str('EDGE_SIP_HOST', '127.0.0.1'),
    sipPort: e.port('EDGE_SIP_PORT', 5060),
    natsUrl: e.str('EDGE_NATS_URL', 'nats://127.0.0.1:14223'),
    rtpengines: e.list('EDGE_RTPENGINE_NG', ['127.0.0.1:22222']).map((hp) => {
      const i = hp.lastIndexOf(':');
      const port = Number(hp.slice(i + 1));
      if (i < 1 || !Number.isInteger(port))
        throw new ConfigError(`EDGE_RTPENGINE_NG: "${hp}" is not host:port`);
      return { host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port };
    }),
    dtmfPort: e.port('EDGE_DTMF_PORT', 22232),
    mediaHost: e.str('EDGE_MEDIA_HOST', '127.0.0.1'),
    dataDir,
    database: url ? { url } : { dataDir: resolve(dataDir, 'pglite') },
    configPublicKeys: keyFiles.map((f) => readFileSync(f, 'utf8')),
    promptsDir: resolve(e.str('EDGE_PROMPTS_DIR', DEFAULT_PROMPTS)),
    heartbeatMs: Number(e.str('EDGE_HEARTBEAT_MS', '10000')),
    demoCredentialsFile: e.optional('EDGE_DEMO_CREDENTIALS_FILE'),
    sipProtection: sipProtectionSettings(env),
  };
}
