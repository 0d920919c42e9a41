// SIP over TLS (RFC 3261 §26, RFC 5630) for trunks and phones, read from the environment (part of EdgeSettings).
import { readFileSync } from 'node:fs';
import { ConfigError, envReader, readTlsPair } from '@hcc/shared';

export interface SipTlsSettings {
  /** EDGE_SIP_TLS_PORT on EDGE_SIP_HOST (default 5061). */
  port: number;
  /** PEM certificate chain and key presented to phones, trunks and the trunks the edge calls. */
  cert: string;
  key: string;
  /**
   * EDGE_SIP_TLS_CA: the CA bundle that verifies trunks' client certificates and the certificates of
   * trunks the edge calls out to. Unset: the system's CAs verify outgoing connections and no trunk's
   * client certificate can be verified (a trunk that requires one is refused).
   */
  ca?: string;
}

/** Undefined when neither EDGE_SIP_TLS_CERT nor EDGE_SIP_TLS_KEY is set (no TLS listener). */
export function sipTlsSettings(env: NodeJS.ProcessEnv = process.env): SipTlsSettings | undefined {
  const e = envReader(env);
  const pair = readTlsPair('EDGE_SIP_TLS_CERT', 'EDGE_SIP_TLS_KEY', env);
  const caFile = e.optional('EDGE_SIP_TLS_CA');
  if (!pair) {
    if (caFile || e.optional('EDGE_SIP_TLS_PORT'))
      throw new ConfigError(
        'EDGE_SIP_TLS_CA and EDGE_SIP_TLS_PORT need EDGE_SIP_TLS_CERT and EDGE_SIP_TLS_KEY (the TLS listener is off without them)',
      );
    return undefined;
  }
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `EDGE_SIP_TLS_CA: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
    if (!/-----BEGIN CERTIFICATE-----/.test(ca))
      throw new ConfigError(`EDGE_SIP_TLS_CA: ${caFile} holds no PEM certificate`);
  }
  const port = e.port('EDGE_SIP_TLS_PORT', 5061);
  return { port, ...pair, ...(ca ? { ca } : {}) };
}
