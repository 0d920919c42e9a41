/**
 * The dev stack's CA: made on the first start under the state directory and kept across restarts
 * (like a real install's hub CA, which enrolled edges pin). It signs the hub's leafnode certificate
 * (127.0.0.1, localhost); every leaf pins the CA, and the cloud hands it out as `hubCaPem`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CertFiles, checkServerCert, ensureCa, issueServerCert } from '@hcc/shared';

export interface DevTls {
  /** The dev CA certificate (CLOUD_HUB_CA_FILE, the leaves' pin). */
  caFile: string;
  /** The hub's leafnode certificate and key. */
  hubCert: CertFiles;
}

export async function ensureDevTls(state: string): Promise<DevTls> {
  const dir = join(state, 'tls');
  const ca = await ensureCa(dir, { commonName: 'hcc dev CA' });
  const hubCert = { certFile: join(dir, 'hub-leaf.pem'), keyFile: join(dir, 'hub-leaf.key') };
  if (!existsSync(hubCert.certFile) || !stillGood(hubCert, ca.certFile))
    await issueServerCert(ca, dir, { commonName: 'hcc dev hub' }, 'hub-leaf');
  return { caFile: ca.certFile, hubCert };
}

/**
 * An edge's SIP over TLS certificate (EDGE_SIP_TLS_CERT/KEY), issued by the dev CA for its SIP host and
 * public address; phones and trunks of the demo trust the dev CA (EDGE_SIP_TLS_CA is the same CA, for
 * trunks' client certificates and the trunks the edge calls). Kept across restarts while it fits.
 */
export async function ensureEdgeSipCert(
  state: string,
  site: string,
  hosts: readonly string[],
): Promise<CertFiles> {
  const dir = join(state, 'tls');
  const ca = await ensureCa(dir, { commonName: 'hcc dev CA' });
  const base = `edge-${site}-sip`;
  const cert = { certFile: join(dir, `${base}.pem`), keyFile: join(dir, `${base}.key`) };
  const names = ['127.0.0.1', ...hosts];
  if (!existsSync(cert.certFile) || !stillGood(cert, ca.certFile, names))
    await issueServerCert(ca, dir, { commonName: `hcc dev edge ${site}`, hosts, clientAuth: true }, base);
  return cert;
}

/** The kept certificate still fits the CA and has a month to go (else it is re-issued). */
function stillGood(cert: CertFiles, caFile: string, hosts: readonly string[] = ['127.0.0.1']): boolean {
  try {
    checkServerCert(cert, caFile, hosts, 30);
    return true;
  } catch {
    return false;
  }
}
