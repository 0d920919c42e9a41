// Failed-authentication ban per source address (fail2ban for digest): N wrong answers to our challenges
// within a window ban the address, never the user, so an extension's real device at another address keeps
// working while its password is being guessed. A challenge answered with no credentials is no failure.

import type { Clock } from '@hcc/shared';
import { IpAllowList } from '../auth/acl.ts';

export interface AuthBanOptions {
  /** Failures from one address within `windowMs` that start a ban. */
  maxFailures: number;
  windowMs: number;
  banMs: number;
  /** Addresses or CIDRs never banned (configured trusted networks). */
  trusted?: readonly string[];
  /** Most sources tracked at once; the oldest are forgotten first. */
  maxSources?: number;
}

export const DEFAULT_AUTH_BAN: AuthBanOptions = { maxFailures: 5, windowMs: 60_000, banMs: 900_000 };

interface Entry {
  /** Times of the failures inside the window, oldest first. */
  failures: number[];
  bannedUntil: number;
}

export class AuthBan {
  private readonly sources = new Map<string, Entry>();
  private readonly trusted: IpAllowList;
  failures = 0;
  bans = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: AuthBanOptions = DEFAULT_AUTH_BAN,
  ) {
    this.trusted = new IpAllowList(opts.trusted ?? []);
  }

  /** Records a failed digest answer from `address`; true when this failure starts a ban. */
  failed(address: string): boolean {
    this.failures++;
    if (this.trusted.size > 0 && this.trusted.allows(address)) return false;
    const now = this.clock.now();
    let e = this.sources.get(address);
    if (!e) {
      if (this.sources.size >= (this.opts.maxSources ?? 100_000)) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      e = { failures: [], bannedUntil: 0 };
      this.sources.set(address, e);
    }
    if (e.bannedUntil > now) return false;
    while (e.failures.length > 0 && now - e.failures[0]! >= this.opts.windowMs) e.failures.shift();
    e.failures.push(now);
    if (e.failures.length < this.opts.maxFailures) return false;
    e.failures = [];
    e.bannedUntil = now + this.opts.banMs;
    this.bans++;
    return true;
  }

  /** Bans `address` at once (a known scanner); false when it is trusted or already banned. */
  banNow(address: string): boolean {
    if (this.trusted.size > 0 && this.trusted.allows(address)) return false;
    const now = this.clock.now();
    const e = this.sources.get(address);
    if (e && e.bannedUntil > now) return false;
    this.sources.set(address, { failures: [], bannedUntil: now + this.opts.banMs });
    this.bans++;
    return true;
  }

  isBanned(address: string): boolean {
    const e = this.sources.get(address);
    if (e === undefined || e.bannedUntil === 0) return false;
    if (e.bannedUntil > this.clock.now()) return true;
    this.sources.delete(address);
    return false;
  }

  /** Sources banned right now. */
  *banned(): Generator<string> {
    const now = this.clock.now();
    for (const [address, e] of this.sources) if (e.bannedUntil > now) yield address;
  }
}
