// Per-source request rate limit with a temporary ban, in the manner of Kamailio's pike module
// (default 16 requests per 2 s, 300 s ban); trusted peers (trunks) are exempt.

import type { Clock } from '@hcc/shared';
import { IpAllowList } from '../auth/acl.ts';

export interface RateLimitOptions {
  /** Requests allowed per window per source address. */
  limit: number;
  windowMs: number;
  banMs: number;
  /** CIDRs or addresses never limited (trusted trunk peers). */
  trusted?: readonly string[];
  /** Most sources tracked at once; the oldest are forgotten first. */
  maxSources?: number;
}

export const KAMAILIO_PIKE_DEFAULTS: RateLimitOptions = { limit: 16, windowMs: 2000, banMs: 300_000 };

interface Entry {
  windowStart: number;
  count: number;
  bannedUntil: number;
}

export class RateLimiter {
  private readonly sources = new Map<string, Entry>();
  private readonly trusted: IpAllowList;
  bans = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: RateLimitOptions = KAMAILIO_PIKE_DEFAULTS,
  ) {
    this.trusted = new IpAllowList(opts.trusted ?? []);
  }

  /** False when the message must be dropped silently (banned, or over the limit which starts a ban). */
  admit(address: string): boolean {
    if (this.trusted.size > 0 && this.trusted.allows(address)) return true;
    const now = this.clock.now();
    let e = this.sources.get(address);
    if (!e) {
      if (this.sources.size >= (this.opts.maxSources ?? 100_000)) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      e = { windowStart: now, count: 0, bannedUntil: 0 };
      this.sources.set(address, e);
    }
    if (e.bannedUntil > now) return false;
    if (now - e.windowStart >= this.opts.windowMs) {
      e.windowStart = now;
      e.count = 0;
    }
    e.count++;
    if (e.count > this.opts.limit) {
      e.bannedUntil = now + this.opts.banMs;
      this.bans++;
      return false;
    }
    return true;
  }

  isBanned(address: string): boolean {
    const e = this.sources.get(address);
    return e !== undefined && e.bannedUntil > this.clock.now();
  }
}
