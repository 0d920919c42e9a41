// Self-protection: when the stack is overloaded, new out-of-dialog requests get 503 with Retry-After
// (RFC 3261 §21.5.4) instead of queueing until everything times out.
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface Load {
  serverTransactions: number;
}

export interface OverloadGuard {
  /** Retry-After seconds when new requests must be refused, else undefined. */
  check(load: Load): number | undefined;
}

export interface OverloadOptions {
  /** Most concurrent server transactions (INVITE transactions live until ACK/Timer L). */
  maxServerTransactions: number;
  /**
   * Event-loop delay (median over a 500 ms window, ms) beyond which the process is saturated. The median, not a
   * high percentile: one GC pause or slow start-up step delays a single sample and must not shed a window's calls;
   * a loop that cannot keep up delays them all.
   */
  maxLoopDelayMs: number;
  retryAfterSeconds: number;
}

export const DEFAULT_OVERLOAD: OverloadOptions = {
  maxServerTransactions: 50_000,
  maxLoopDelayMs: 100,
  retryAfterSeconds: 5,
};

export class LoadMonitor implements OverloadGuard {
  private readonly hist: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private saturated = false;

  constructor(private readonly opts: OverloadOptions = DEFAULT_OVERLOAD) {
    this.hist = monitorEventLoopDelay({ resolution: 10 });
    this.hist.enable();
    // Sampled on its own clock, so a verdict never covers more than the last 500 ms (nor the start-up).
    this.timer = setInterval(() => {
      this.saturated = this.hist.percentile(50) / 1e6 > this.opts.maxLoopDelayMs;
      this.hist.reset();
    }, 500);
    this.timer.unref();
  }

  check(load: Load): number | undefined {
    if (load.serverTransactions >= this.opts.maxServerTransactions) return this.opts.retryAfterSeconds;
    return this.saturated ? this.opts.retryAfterSeconds : undefined;
  }

  close(): void {
    clearInterval(this.timer);
    this.hist.disable();
  }
}

/** A fixed verdict, for tests. */
export class StaticOverload implements OverloadGuard {
  constructor(public retryAfter: number | undefined) {}
  check(): number | undefined {
    return this.retryAfter;
  }
}
