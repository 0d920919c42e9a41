// The SIP front door's protection and digest policy, read from the environment (part of EdgeSettings).
import { ConfigError, envReader } from '@hcc/shared';
import {
  type DigestAlgorithm,
  type DigestPolicy,
  digestAlgorithm,
  IpAllowList,
  type OverloadOptions,
} from './sip/index.ts';

export interface SipProtectionSettings {
  /** Networks never rate-limited or auth-banned (EDGE_SIP_TRUSTED_CIDRS); the config's trunks are added. */
  trusted: string[];
  /** Per-source requests per window before a ban; limit 0 switches the rate limit off. */
  rate: { limit: number; windowMs: number; banMs: number };
  /** Failed digest answers per source within the window before a ban; maxFailures 0 switches it off. */
  authBan: { maxFailures: number; windowMs: number; banMs: number };
  overload: OverloadOptions;
  /** User-Agent prefixes of SIP scanners (dropped, source banned as for failed authentication). */
  scannerUserAgents: string[];
  /** Most live registrations (contacts) per extension. */
  maxRegistrations: number;
  digest: DigestPolicy;
}

export function sipProtectionSettings(env: NodeJS.ProcessEnv = process.env): SipProtectionSettings {
  const e = envReader(env);
  const trusted = e.list('EDGE_SIP_TRUSTED_CIDRS', []);
  try {
    new IpAllowList(trusted);
  } catch (err) {
    throw new ConfigError(`EDGE_SIP_TRUSTED_CIDRS: ${err instanceof Error ? err.message : String(err)}`);
  }
  const algorithms = e.list('EDGE_SIP_DIGEST_ALGORITHMS', ['SHA-256', 'MD5']).map((name) => {
    const a = digestAlgorithm(name);
    if (!a) throw new ConfigError(`EDGE_SIP_DIGEST_ALGORITHMS: "${name}" is not SHA-256 or MD5`);
    return a;
  });
  if (algorithms.length === 0 || new Set(algorithms).size !== algorithms.length)
    throw new ConfigError('EDGE_SIP_DIGEST_ALGORITHMS: name each algorithm once');
  return {
    trusted,
    rate: {
      limit: e.int('EDGE_SIP_RATE_LIMIT', 32),
      windowMs: e.int('EDGE_SIP_RATE_WINDOW_MS', 2000, 100),
      banMs: e.int('EDGE_SIP_RATE_BAN_S', 300, 1) * 1000,
    },
    authBan: {
      maxFailures: e.int('EDGE_SIP_AUTH_MAX_FAILURES', 5),
      windowMs: e.int('EDGE_SIP_AUTH_WINDOW_S', 60, 1) * 1000,
      banMs: e.int('EDGE_SIP_AUTH_BAN_S', 900, 1) * 1000,
    },
    overload: {
      maxServerTransactions: e.int('EDGE_SIP_MAX_TRANSACTIONS', 50_000, 1),
      maxLoopDelayMs: e.int('EDGE_SIP_MAX_LOOP_DELAY_MS', 100, 1),
      retryAfterSeconds: e.int('EDGE_SIP_RETRY_AFTER_S', 5, 1),
    },
    scannerUserAgents: e.list('EDGE_SIP_SCANNER_UA', [
      'friendly-scanner',
      'sipvicious',
      'sipcli',
      'sip-scan',
      'iwar',
      'sundayddr',
      'vaxsipuseragent',
      'pplsip',
    ]),
    maxRegistrations: e.int('EDGE_SIP_MAX_REGISTRATIONS', 5, 1),
    digest: {
      algorithms: algorithms as DigestAlgorithm[],
      md5OnlyUserAgents: e.list('EDGE_SIP_DIGEST_MD5_ONLY_UA', ['baresip']),
    },
  };
}
