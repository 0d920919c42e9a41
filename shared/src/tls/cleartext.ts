/**
 * The rule "no service listens in clear text on a non-loopback address by default": a listener
 * bound beyond loopback must have TLS, or an explicit setting that allows clear text (e.g. a TLS
 * proxy on another host terminates it). SIP over UDP/TCP for trunks and phones is the documented
 * exception and does not use this check.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A listener would accept clear text beyond loopback and nothing allowed it. */
export class ClearTextListenerError extends Error {
  override readonly name = 'ClearTextListenerError';
}

/** True for 127.0.0.0/8, ::1 (and ::ffff:127.x) and `localhost`; false for wildcards and anything else. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Throws ClearTextListenerError when `host` is not loopback, `tls` is false and `allowSetting`
 * (named in the message) was not given.
 */
export function checkListener(o: {
  what: string;
  host: string;
  tls: boolean;
  allowed: boolean;
  allowSetting: string;
}): void {
  if (o.tls || o.allowed || isLoopbackHost(o.host)) return;
  throw new ClearTextListenerError(
    `${o.what} would listen in clear text on ${o.host}: configure TLS, bind it to 127.0.0.1, or set ${o.allowSetting} to allow clear text`,
  );
}
