// Per-source request rate limit with a temporary ban, in the manner of Kamailio's pike module
// (default 16 requests per 2 s, 300 s ban); exempt peers (trunks, trusted networks) are never limited.

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

/** What the SIP stack asks of each datagram or framed message before it parses it. */
export interface SourceAdmission {
  /** False when the message must be dropped silently. */
  admit(address: string): boolean;
}

/** 'ok', 'limited' (this message went over the limit and started a ban) or 'banned' (a ban runs). */
export type RateVerdict = 'ok' | 'limited' | 'banned';

interface Entry {
  windowStart: number;
  count: number;
  bannedUntil: number;
}

export class RateLimiter implements SourceAdmission {
  private readonly sources = new Map<string, Entry>();
  private exempt: IpAllowList;
  bans = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: RateLimitOptions = KAMAILIO_PIKE_DEFAULTS,
  ) {
    this.exempt = new IpAllowList(opts.trusted ?? []);
  }

  /** Replaces the exempt peers (the trunks of a newly applied config). */
  setExempt(list: IpAllowList): void {
    this.exempt = list;
  }

  admit(address: string): boolean {
    return this.check(address) === 'ok';
  }

  check(address: string): RateVerdict {
    const now = this.clock.now();
    let e = this.sources.get(address);
    // A banned source costs one map lookup: checked before the exemption list.
    if (e !== undefined && e.bannedUntil > now) return 'banned';
    if (this.exempt.size > 0 && this.exempt.allows(address)) return 'ok';
    if (!e) {
      if (this.sources.size >= (this.opts.maxSources ?? 100_000)) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      e = { windowStart: now, count: 0, bannedUntil: 0 };
      this.sources.set(address, e);
    }
    if (now - e.windowStart >= this.opts.windowMs) {
      e.windowStart = now;
      e.count = 0;
    }
    e.count++;
    if (e.count > this.opts.limit) {
      e.bannedUntil = now + this.opts.banMs;
      this.bans++;
      return 'limited';
    }
    return 'ok';
  }

  isBanned(address: string): boolean {
    const e = this.sources.get(address);
    return e !== undefined && e.bannedUntil > this.clock.now();
  }

  /** Sources banned right now. */
  *banned(): Generator<string> {
    const now = this.clock.now();
    for (const [address, e] of this.sources) if (e.bannedUntil > now) yield address;
  }
}
