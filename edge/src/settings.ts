import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type DatabaseTarget, envReader, isLoopbackHost, names } from '@hcc/shared';
import { DEFAULT_EVENT_BATCHING } from './events/publisher.ts';
import { type EdgeNetwork, edgeNetwork } from './network.ts';
import { type HungCallSettings, hungCallSettings } from './settings-calls.ts';
import { type SipProtectionSettings, sipProtectionSettings } from './settings-sip.ts';
import { type SipTlsSettings, sipTlsSettings } from './settings-sip-tls.ts';

/** Everything the edge service reads from its environment, validated once at start. */
export interface EdgeSettings {
  site: string;
  httpHost: string;
  httpPort: number;
  sipHost: string;
  sipPort: number;
  /** Public and advertised addresses (EDGE_PUBLIC_ADDRESS, EDGE_RTP_HOST), checked with the listen addresses. */
  network: EdgeNetwork;
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
  /** Events up: how many events one NATS message carries at most, and how long a short batch waits. */
  events: { batchMax: number; batchLingerMs: number };
  /** Demo only: JSON with agent SIP passwords, provisioned into the local secret store at start. */
  demoCredentialsFile: string | undefined;
  /** The SIP front door: rate limit, auth bans, overload guard, registration cap, digest policy. */
  sipProtection: SipProtectionSettings;
  /** SIP over TLS (EDGE_SIP_TLS_*): the listener runs when a certificate and key are configured. */
  sipTls: SipTlsSettings | undefined;
  /** Media inactivity and session timer limits that end hung calls. */
  hungCalls: HungCallSettings;
}

/** A 0/1 switch; anything else is a mistake worth stopping for. */
function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(`${name}=${raw}: expected 1 or 0`);
}

const DEFAULT_PROMPTS = fileURLToPath(new URL('../prompts', import.meta.url));

/** PEM blocks of a file (a key file may hold several keys, e.g. during a signing-key rotation). */
function pemBlocks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const blocks = text.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(`EDGE_CONFIG_PUBLIC_KEY_FILE: ${file} holds no PEM key`);
  return blocks.map((b) => `${b}\n`);
}

/**
 * The enrollment `hcc-edge enroll` wrote (EDGE_ENROLL_DIR): it gives the site id and the
 * config-signing keys their defaults.
 */
function enrollmentDefaults(dir: string | undefined): { site?: string; keyFile?: string } {
  if (!dir) return {};
  const file = join(dir, 'enrollment.json');
  if (!existsSync(file)) return {};
  let site: unknown;
  try {
    site = (JSON.parse(readFileSync(file, 'utf8')) as { siteId?: unknown }).siteId;
  } catch (err) {
    throw new ConfigError(`EDGE_ENROLL_DIR: ${file} is not readable JSON (${(err as Error).message})`);
  }
  if (typeof site !== 'string') throw new ConfigError(`EDGE_ENROLL_DIR: ${file} has no siteId`);
  return { site, keyFile: join(dir, 'config-signing.pem') };
}

export function edgeSettings(env: NodeJS.ProcessEnv = process.env): EdgeSettings {
  const e = envReader(env);
  const enrolled = enrollmentDefaults(e.optional('EDGE_ENROLL_DIR'));
  const site = e.str('EDGE_SITE', enrolled.site ?? 'hq');
  names.assertSiteId(site);
  const dataDir = resolve(e.str('EDGE_DATA_DIR', `.data/edge-${site}`));
  const url = e.optional('EDGE_DATABASE_URL');
  const keyFiles = e.list('EDGE_CONFIG_PUBLIC_KEY_FILE', enrolled.keyFile ? [enrolled.keyFile] : []);
  for (const f of keyFiles)
    if (!existsSync(f)) throw new ConfigError(`EDGE_CONFIG_PUBLIC_KEY_FILE: ${f} does not exist`);
  const httpHost = e.str('EDGE_HTTP_HOST', '127.0.0.1');
  const sipHost = e.str('EDGE_SIP_HOST', '127.0.0.1');
  const network = edgeNetwork({
    httpHost,
    sipHost,
    publicAddress: e.optional('EDGE_PUBLIC_ADDRESS'),
    rtpHost: e.optional('EDGE_RTP_HOST'),
    tlsCert: e.optional('EDGE_TLS_CERT'),
    tlsKey: e.optional('EDGE_TLS_KEY'),
    allowClearTextHttp: flag(e.optional('EDGE_ALLOW_CLEARTEXT_HTTP'), 'EDGE_ALLOW_CLEARTEXT_HTTP'),
  });
  const sipPort = e.port('EDGE_SIP_PORT', 5060);
  const sipTls = sipTlsSettings(env);
  if (sipTls?.port === sipPort)
    throw new ConfigError(
      `EDGE_SIP_TLS_PORT=${sipTls.port} is EDGE_SIP_PORT (UDP and TCP): choose another port`,
    );
  return {
    site,
    httpHost,
    httpPort: e.port('EDGE_HTTP_PORT', 8081),
    sipHost,
    sipPort,
    network,
    // The leaf that `hcc-edge enroll` configured listens on EDGE_LEAF_PORT.
    natsUrl: e.str('EDGE_NATS_URL', `nats://127.0.0.1:${e.port('EDGE_LEAF_PORT', 14223)}`),
    rtpengines: e.list('EDGE_RTPENGINE_NG', ['127.0.0.1:22222']).map((hp) => {
      const i = hp.lastIndexOf(':');
      const port = Number(hp.slice(i + 1));
      if (i < 1 || !Number.isInteger(port))
        throw new ConfigError(`EDGE_RTPENGINE_NG: "${hp}" is not host:port`);
      const host = hp.slice(0, i).replace(/^\[|\]$/g, '');
      // The ng protocol is clear text with no authentication: whoever reaches it controls media.
      if (!isLoopbackHost(host) && e.str('EDGE_ALLOW_REMOTE_RTPENGINE', '0') !== '1')
        throw new ConfigError(
          `EDGE_RTPENGINE_NG: ${hp} is not loopback; rtpengine's ng control is clear text without authentication: run rtpengine on the edge's host with --listen-ng=127.0.0.1:PORT, or set EDGE_ALLOW_REMOTE_RTPENGINE=1 on a private network`,
        );
      return { host, port };
    }),
    dtmfPort: e.port('EDGE_DTMF_PORT', 22232),
    mediaHost: e.str('EDGE_MEDIA_HOST', '127.0.0.1'),
    dataDir,
    database: url ? { url } : { dataDir: resolve(dataDir, 'pglite') },
    configPublicKeys: keyFiles.flatMap(pemBlocks),
    promptsDir: resolve(e.str('EDGE_PROMPTS_DIR', DEFAULT_PROMPTS)),
    heartbeatMs: Number(e.str('EDGE_HEARTBEAT_MS', '10000')),
    events: {
      batchMax: e.int('EDGE_EVENTS_BATCH_MAX', DEFAULT_EVENT_BATCHING.batchMax, 1, 4096),
      batchLingerMs: e.int('EDGE_EVENTS_BATCH_LINGER_MS', DEFAULT_EVENT_BATCHING.batchLingerMs, 0, 1000),
    },
    demoCredentialsFile: e.optional('EDGE_DEMO_CREDENTIALS_FILE'),
    sipProtection: sipProtectionSettings(env),
    sipTls,
    hungCalls: hungCallSettings(env),
  };
}
