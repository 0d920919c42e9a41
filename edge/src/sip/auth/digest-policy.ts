// Which digest algorithms a challenge offers, and in which order (RFC 8760 §2.4: one header per algorithm,
// the preferred first; a UAC uses the topmost one it supports). Many MD5-only clients do not: baresip 1.0
// (libre 1.x) fails on any SHA-256 challenge in the response, even next to an MD5 one ("Function not
// implemented"), and SIPp 3.6 answers only the first. So the policy has three levels:
//   1. a device's own list (set per device in the config bundle) wins;
//   2. a client whose User-Agent starts with one of `md5OnlyUserAgents` gets the MD5 challenge alone (when the
//      site offers MD5 at all);
//   3. everyone else gets the site's list (default SHA-256 then MD5).
// The device is the To user of a REGISTER and the From user of any other request.

import type { SipRequest } from '../message/message.ts';
import { isSipUri } from '../message/uri.ts';
import type { DigestAlgorithm } from './digest.ts';

export interface DigestPolicy {
  /** The site's offer, strongest first. */
  algorithms: DigestAlgorithm[];
  /** User-Agent prefixes (case-insensitive) of clients that fail on any challenge but MD5: offered MD5 alone. */
  md5OnlyUserAgents: readonly string[];
}

export const DEFAULT_DIGEST_POLICY: DigestPolicy = {
  algorithms: ['SHA-256', 'MD5'],
  md5OnlyUserAgents: ['baresip'],
};

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/** Parses a configured algorithm name; undefined when unknown. */
export function digestAlgorithm(name: string): DigestAlgorithm | undefined {
  const v = name.trim().toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a === v);
}

/** The user a request authenticates as: To of a REGISTER, From of anything else. */
export function claimedUser(req: SipRequest): string | undefined {
  const uri = req.method === 'REGISTER' ? req.to.uri : req.from.uri;
  return isSipUri(uri) ? uri.user : undefined;
}

/**
 * DigestServerOptions.offer for a policy. `perDevice(user)` returns a device's own list, or undefined to use
 * the site's (every unknown user gets the site's list, so a challenge tells a scanner nothing).
 */
export function digestOffer(
  policy: DigestPolicy,
  perDevice?: (user: string) => readonly DigestAlgorithm[] | undefined,
): (req: SipRequest) => DigestAlgorithm[] {
  const prefixes = policy.md5OnlyUserAgents.map((p) => p.toLowerCase()).filter((p) => p.length > 0);
  const md5Only: DigestAlgorithm[] = policy.algorithms.includes('MD5') ? ['MD5'] : policy.algorithms;
  return (req) => {
    const user = perDevice && claimedUser(req);
    const own = user ? perDevice(user) : undefined;
    if (own && own.length > 0) return [...own];
    if (prefixes.length > 0 && md5Only !== policy.algorithms) {
      const ua = req.headers.get('user-agent')?.toLowerCase();
      if (ua && prefixes.some((p) => ua.startsWith(p))) return md5Only;
    }
    return policy.algorithms;
  };
}
