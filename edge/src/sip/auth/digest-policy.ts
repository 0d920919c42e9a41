// Which digest algorithms a challenge offers, and in which order (RFC 8760 §2.4: one header per algorithm,
// the preferred first; a UAC uses the topmost one it supports). Many MD5-only clients do not: baresip 1.0
// (libre 1.x) fails on any SHA-256 challenge in the response, even next to an MD5 one ("Function not
// implemented"), and SIPp 3.6 answers only the first. So the policy has three levels:
//   1. a device's own list (set per device in the config bundle) wins;
//   2. a client whose User-Agent starts with one of `md5OnlyUserAgents` gets the MD5 challenge alone (when the
//      site offers MD5 at all);
//   3. everyone else gets the site's list (default SHA-256 then MD5), except that
//   4. a client that was challenged with SHA-256 in the list and came back without credentials (same Call-ID,
//      same user: it could not answer) is offered MD5 alone from then on (learnt, for an hour since last use).
//      baresip 1.0 registers so on its first retry (30-60 s) even when its User-Agent is not listed.
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
  clock: { now(): number } = Date,
): (req: SipRequest) => DigestAlgorithm[] {
  const prefixes = policy.md5OnlyUserAgents.map((p) => p.toLowerCase()).filter((p) => p.length > 0);
  const md5Only: DigestAlgorithm[] = policy.algorithms.includes('MD5') ? ['MD5'] : policy.algorithms;
  const learner = md5Only !== policy.algorithms ? new Md5Learner(clock) : undefined;
  // verify() and challenge() both ask for one request: it gets one answer.
  const decided = new WeakMap<SipRequest, DigestAlgorithm[]>();
  const decide = (req: SipRequest): DigestAlgorithm[] => {
    const user = claimedUser(req);
    const own = user && perDevice ? perDevice(user) : undefined;
    if (own && own.length > 0) return [...own];
    if (prefixes.length > 0 && md5Only !== policy.algorithms) {
      const ua = req.headers.get('user-agent')?.toLowerCase();
      if (ua && prefixes.some((p) => ua.startsWith(p))) return md5Only;
    }
    if (learner?.md5Only(req, user ?? '')) return md5Only;
    return policy.algorithms;
  };
  return (req) => {
    let v = decided.get(req);
    if (!v) {
      v = decide(req);
      decided.set(req, v);
    }
    return v;
  };
}

const hasCredentials = (req: SipRequest) =>
  req.headers.has('authorization') || req.headers.has('proxy-authorization');

/**
 * Learns clients that cannot answer a SHA-256 challenge: keyed by Call-ID and user, a challenge without an
 * answer followed by a new request without credentials marks the client MD5-only. An answer clears the mark
 * of a pending challenge (the client could answer), never a learnt one.
 */
class Md5Learner {
  private readonly pending = new Map<string, number>();
  private readonly learnt = new Map<string, number>();
  private static readonly PENDING_MS = 300_000;
  private static readonly LEARNT_MS = 3_600_000;
  private static readonly MAX = 20_000;

  constructor(private readonly clock: { now(): number }) {}

  md5Only(req: SipRequest, user: string): boolean {
    const key = `${req.callId}\u0000${user}`;
    const now = this.clock.now();
    const learnt = this.learnt.get(key);
    if (learnt !== undefined && now - learnt < Md5Learner.LEARNT_MS) {
      this.learnt.delete(key);
      this.learnt.set(key, now);
      return true;
    }
    if (hasCredentials(req)) {
      this.pending.delete(key);
      return false;
    }
    const challenged = this.pending.get(key);
    if (challenged !== undefined && now - challenged < Md5Learner.PENDING_MS) {
      this.pending.delete(key);
      this.remember(this.learnt, key, now);
      return true;
    }
    this.remember(this.pending, key, now);
    return false;
  }

  private remember(m: Map<string, number>, key: string, now: number): void {
    m.delete(key);
    if (m.size >= Md5Learner.MAX) {
      const oldest = m.keys().next().value;
      if (oldest !== undefined) m.delete(oldest);
    }
    m.set(key, now);
  }
}
