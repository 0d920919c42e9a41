// The SIP front door's source guard: one object the stack asks before it parses anything. A source under an
// authentication ban or a rate-limit ban is dropped with a map lookup; the rest is counted by the rate limiter.
// Counters feed the edge's status and heartbeat.

import type { Clock } from '@hcc/shared';
import type { IpAllowList } from '../auth/acl.ts';
import { AuthBan, type AuthBanOptions } from './auth-ban.ts';
import { RateLimiter, type RateLimitOptions, type SourceAdmission } from './rate-limit.ts';

export interface SourceGuardOptions {
  rate: RateLimitOptions;
  auth: AuthBanOptions;
  /** Told once per ban (a log line: the address and why, never a user or number). */
  onBan?: (ban: { address: string; reason: 'rate' | 'auth' | 'scanner'; seconds: number }) => void;
  /** User-Agent prefixes (case-insensitive) of SIP scanners: their requests are dropped, their source banned. */
  scannerUserAgents?: readonly string[];
}

export interface ProtectionCounters {
  /** Sources banned right now (rate limit or failed authentication). */
  bannedAddresses: number;
  /** Messages dropped because their source was banned (unparsed) or was a known scanner. */
  dropped: number;
  /** Messages over a source's rate limit (each starts a ban). */
  rateLimited: number;
  /** Failed digest answers (wrong password or unknown user), any source. */
  authFailures: number;
  /** Bans started since the edge started. */
  bans: number;
}

export class SourceGuard implements SourceAdmission {
  readonly rate: RateLimiter;
  readonly auth: AuthBan;
  dropped = 0;
  rateLimited = 0;
  scannerRequests = 0;
  private readonly scanners: string[];

  constructor(
    clock: Clock,
    private readonly opts: SourceGuardOptions,
  ) {
    this.rate = new RateLimiter(clock, opts.rate);
    this.auth = new AuthBan(clock, opts.auth);
    this.scanners = (opts.scannerUserAgents ?? []).map((p) => p.toLowerCase()).filter((p) => p.length > 0);
  }

  /** The trunks of the applied config join the configured trusted networks as rate-limit exempt. */
  setExempt(list: IpAllowList): void {
    this.rate.setExempt(list);
  }

  admit(address: string): boolean {
    if (this.auth.isBanned(address)) {
      this.dropped++;
      return false;
    }
    const v = this.rate.check(address);
    if (v === 'ok') return true;
    if (v === 'banned') this.dropped++;
    else {
      this.rateLimited++;
      this.opts.onBan?.({ address, reason: 'rate', seconds: Math.round(this.opts.rate.banMs / 1000) });
    }
    return false;
  }

  /**
   * SipStackOptions.screen: false (drop, and ban the source like a failed authentication) for a request from a
   * known scanner. Scanners can lie about themselves; the ones that do not are most of them.
   */
  screen(userAgent: string | undefined, address: string): boolean {
    if (userAgent === undefined || this.scanners.length === 0) return true;
    const ua = userAgent.toLowerCase();
    if (!this.scanners.some((p) => ua.startsWith(p))) return true;
    this.scannerRequests++;
    if (this.auth.banNow(address))
      this.opts.onBan?.({ address, reason: 'scanner', seconds: Math.round(this.opts.auth.banMs / 1000) });
    return false;
  }

  /** A wrong digest answer from `address` (DigestServer's failure sink). */
  authFailed(address: string): void {
    if (this.auth.failed(address))
      this.opts.onBan?.({ address, reason: 'auth', seconds: Math.round(this.opts.auth.banMs / 1000) });
  }

  counters(): ProtectionCounters {
    return {
      bannedAddresses: new Set([...this.rate.banned(), ...this.auth.banned()]).size,
      dropped: this.dropped + this.scannerRequests,
      rateLimited: this.rateLimited,
      authFailures: this.auth.failures,
      bans: this.rate.bans + this.auth.bans,
    };
  }
}
