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
  onBan?: (ban: { address: string; reason: 'rate' | 'auth'; seconds: number }) => void;
}

export interface ProtectionCounters {
  /** Sources banned right now (rate limit or failed authentication). */
  bannedAddresses: number;
  /** Messages dropped unparsed because their source was banned. */
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

  constructor(
    clock: Clock,
    private readonly opts: SourceGuardOptions,
  ) {
    this.rate = new RateLimiter(clock, opts.rate);
    this.auth = new AuthBan(clock, opts.auth);
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

  /** A wrong digest answer from `address` (DigestServer's failure sink). */
  authFailed(address: string): void {
    if (this.auth.failed(address))
      this.opts.onBan?.({ address, reason: 'auth', seconds: Math.round(this.opts.auth.banMs / 1000) });
  }

  counters(): ProtectionCounters {
    return {
      bannedAddresses: new Set([...this.rate.banned(), ...this.auth.banned()]).size,
      dropped: this.dropped,
      rateLimited: this.rateLimited,
      authFailures: this.auth.failures,
      bans: this.rate.bans + this.auth.bans,
    };
  }
}
