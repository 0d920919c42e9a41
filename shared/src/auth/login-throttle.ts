import type { Clock } from '../time/clock.ts';

export interface LoginThrottleOptions {
  clock: Clock;
  /** Failed attempts allowed per account within `windowMs` before it is locked. */
  perAccount?: number;
  /** Failed attempts allowed per client address within `windowMs` (higher: offices share an address). */
  perAddress?: number;
  windowMs?: number;
  /** How long a key stays locked once it reached its limit. */
  lockMs?: number;
  /** Keys tracked at most; the oldest are forgotten first, so a flood cannot grow memory. */
  maxKeys?: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

interface Entry {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/**
 * Password guessing brake for a login form: attempts are counted per account and per client address
 * in a fixed window; a key over its limit is refused (429 + Retry-After) until its lock ends, even
 * with the right password, so a guesser learns nothing from the answer. An attempt counts as a
 * failure from the moment it is let through (`attempt`), before the slow password check, so a burst
 * of parallel guesses cannot all pass the check; `succeeded` then takes it back.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly perAccount: number;
  private readonly perAddress: number;
  private readonly windowMs: number;
  private readonly lockMs: number;
  private readonly maxKeys: number;

  constructor(o: LoginThrottleOptions) {
    this.clock = o.clock;
    this.perAccount = o.perAccount ?? 5;
    this.perAddress = o.perAddress ?? 30;
    this.windowMs = o.windowMs ?? 60_000;
    this.lockMs = o.lockMs ?? 60_000;
    this.maxKeys = o.maxKeys ?? 50_000;
  }

  /** Before checking the password: refused while locked, else counted as a failure until `succeeded`. */
  attempt(account: string, address: string): ThrottleVerdict {
    const now = this.clock.now();
    let until = 0;
    for (const key of [accountKey(account), addressKey(address)]) {
      const e = this.entries.get(key);
      if (e && e.lockedUntil > now) until = Math.max(until, e.lockedUntil);
    }
    if (until) return { allowed: false, retryAfterS: Math.ceil((until - now) / 1000) };
    this.count(accountKey(account), this.perAccount);
    this.count(addressKey(address), this.perAddress);
    return { allowed: true };
  }

  /** The password was right: the account starts afresh and the address gets its attempt back. */
  succeeded(account: string, address: string): void {
    this.entries.delete(accountKey(account));
    const e = this.entries.get(addressKey(address));
    if (!e || e.failures === 0) return;
    e.failures--;
    if (e.failures < this.perAddress) e.lockedUntil = 0;
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private count(key: string, limit: number): void {
    const now = this.clock.now();
    let e = this.entries.get(key);
    if (!e || now - e.windowStart >= this.windowMs) {
      if (e && e.lockedUntil > now) return; // still locked: the lock already runs
      e = { failures: 0, windowStart: now, lockedUntil: 0 };
    }
    e.failures++;
    if (e.failures >= limit) e.lockedUntil = now + this.lockMs;
    this.entries.delete(key); // re-insert: Map order is least recently failed first
    this.entries.set(key, e);
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

const accountKey = (a: string) => `a:${a.trim().toLowerCase()}`;
const addressKey = (a: string) => `i:${a}`;
