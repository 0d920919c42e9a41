import type { Clock } from '@hcc/shared';

export interface TokenBucketOptions {
  /** Requests a caller may make at once (the bucket's size). */
  burst: number;
  /** Tokens added back per minute (the sustained rate). */
  perMinute: number;
  /** Callers tracked at most; the least recently seen are forgotten first, so memory stays bounded. */
  maxKeys?: number;
}

export type RateVerdict = { allowed: true; remaining: number } | { allowed: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** The reports API's defaults: 60 requests a minute, 20 at once. */
export const REPORTS_RATE_DEFAULTS: TokenBucketOptions = { burst: 20, perMinute: 60 };

/**
 * A token bucket per caller (an API key or a console user): each request takes one token, tokens
 * come back at `perMinute`, up to `burst`. A caller with an empty bucket is told how many seconds
 * until its next token (the `Retry-After` of a 429).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly perMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly opts: TokenBucketOptions = REPORTS_RATE_DEFAULTS,
  ) {
    if (!(opts.burst >= 1 && opts.perMinute > 0))
      throw new RangeError('burst must be >= 1 and perMinute > 0');
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.perMs = opts.perMinute / 60_000;
  }

  /** Takes one token of `key`'s bucket if it has one. */
  take(key: string): RateVerdict {
    const now = this.clock.now();
    const b = this.buckets.get(key);
    let tokens = this.opts.burst;
    if (b) {
      tokens = Math.min(this.opts.burst, b.tokens + Math.max(0, now - b.at) * this.perMs);
      this.buckets.delete(key); // re-inserted below: the map stays in least-recently-seen order
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(key, { tokens, at: now });
    return allowed
      ? { allowed: true, remaining: Math.floor(tokens) }
      : { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
  }
}
