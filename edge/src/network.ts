/**
 * The edge on a real network: which address it is reached at (Via, Contact, From, rtpengine's SDP)
 * and whether its agent desktop may be served in clear text. Pure functions over the settings'
 * environment, so a misconfiguration stops the start with one clear message.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigError } from '@hcc/shared';

/** 127.0.0.0/8, ::1 and `localhost`: reachable only from this host. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (h.startsWith('::ffff:')) return isLoopback(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

/** 0.0.0.0 and :: (every address of the host). */
export function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** The first non-internal address of the host (IPv4 first), for a wildcard listener's Contact. */
export function firstHostAddress(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const usable = all.filter((a) => !a.internal && !a.address.startsWith('fe80:'));
  return (usable.find((a) => a.family === 'IPv4') ?? usable[0])?.address;
}

export interface EdgeNetwork {
  /** EDGE_PUBLIC_ADDRESS: the address callers and carriers reach (behind NAT: the public one). */
  publicAddress: string | undefined;
  /** Host written in Via, Contact and From of what the edge sends. */
  sipAdvertisedHost: string;
  /** EDGE_RTP_HOST: the address rtpengine receives media on (`hcc-edge rtpengine --interface`). */
  rtpHost: string;
}

export interface NetworkInput {
  httpHost: string;
  sipHost: string;
  publicAddress: string | undefined;
  rtpHost: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** EDGE_ALLOW_CLEARTEXT_HTTP=1: serve a non-loopback desktop in clear text anyway (a TLS proxy in front). */
  allowClearTextHttp: boolean;
}

/**
 * Checks the listen and public addresses together. Throws ConfigError when the desktop would be
 * served in clear text on a non-loopback address (browsers give the microphone only to secure
 * origins, and agents' passwords would cross the LAN readable), when only one of the TLS pair is set,
 * or when an address is not an IP address.
 */
export function edgeNetwork(
  o: NetworkInput,
  hostAddress: () => string | undefined = firstHostAddress,
): EdgeNetwork {
  if (!!o.tlsCert !== !!o.tlsKey)
    throw new ConfigError('EDGE_TLS_CERT and EDGE_TLS_KEY go together: set both (PEM files) or neither');
  if (!o.tlsCert && !o.allowClearTextHttp && !isLoopback(o.httpHost))
    throw new ConfigError(
      `EDGE_HTTP_HOST=${o.httpHost} is not a loopback address, and the agent desktop (HTTP and SIP over ` +
        'WebSocket) would be served there in clear text: browsers give the microphone only to secure origins. ' +
        'Set EDGE_TLS_CERT and EDGE_TLS_KEY (PEM certificate and key) to serve it over HTTPS, or ' +
        'EDGE_ALLOW_CLEARTEXT_HTTP=1 when a TLS proxy in front of it terminates HTTPS.',
    );
  if (o.publicAddress !== undefined && !isIP(o.publicAddress))
    throw new ConfigError(`EDGE_PUBLIC_ADDRESS=${o.publicAddress}: expected an IPv4 or IPv6 address`);
  if (o.rtpHost !== undefined && !isIP(o.rtpHost))
    throw new ConfigError(`EDGE_RTP_HOST=${o.rtpHost}: expected an IPv4 or IPv6 address of this host`);
  const concrete = (what: string, host: string): string => {
    if (!isWildcard(host)) return host;
    const found = hostAddress();
    if (!found)
      throw new ConfigError(
        `${what}=${host} listens everywhere but this host has no address to advertise: set EDGE_PUBLIC_ADDRESS`,
      );
    return found;
  };
  return {
    publicAddress: o.publicAddress,
    sipAdvertisedHost: o.publicAddress ?? concrete('EDGE_SIP_HOST', o.sipHost),
    rtpHost:
      o.rtpHost ??
      (isIP(o.sipHost) || isWildcard(o.sipHost) ? concrete('EDGE_SIP_HOST', o.sipHost) : '127.0.0.1'),
  };
}
