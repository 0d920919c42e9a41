/**
 * Flow control for one ng channel (one rtpengine):
 * - a window: at most `maxInFlight` requests awaiting their first reply; the rest wait in FIFO order and
 *   start their timers only when sent (a request that timed out once leaves the window while it is
 *   retransmitted, so lost packets cannot stall the queue). A burst of calls then reaches a busy rtpengine as a steady queue instead of
 *   overflowing its UDP socket, and no request times out while it merely waits its turn here.
 * - the retransmit timer: a smoothed round-trip time as in RFC 6298 (Karn's rule: only replies to
 *   requests sent once are sampled), never below the configured timeout, doubled on every retransmission
 *   and capped. When rtpengine slows down under load the client waits longer instead of multiplying its
 *   work with retransmissions (each retransmit of a command still in progress occupies an rtpengine worker).
 */

export interface NgFlowOptions {
  /** Requests awaiting their first reply at once. Default: no limit. */
  maxInFlight?: number;
  /** Upper bound of one attempt's timer, as a multiple of the request's base timeout. Default 8. */
  maxBackoff?: number;
}

export class NgFlow {
  readonly maxInFlight: number;
  private readonly maxBackoff: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;
  private srtt: number | undefined;
  private rttvar = 0;

  constructor(opts: NgFlowOptions = {}) {
    this.maxInFlight = Math.max(1, Math.floor(opts.maxInFlight ?? Number.POSITIVE_INFINITY));
    this.maxBackoff = Math.max(1, opts.maxBackoff ?? 8);
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /** The smoothed round-trip time in ms (undefined before the first sample). */
  get smoothedRttMs(): number | undefined {
    return this.srtt;
  }

  /** Runs `send` now if a slot is free, else when one frees up. */
  acquire(send: () => void): void {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      send();
      return;
    }
    this.waiting.push(send);
  }

  /** A request left the wire (reply, final timeout): the next waiting one is sent. */
  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    while (this.inFlight < this.maxInFlight && this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      next();
    }
  }

  /** Drops every waiting request (close()). */
  clear(): void {
    this.waiting.length = 0;
    this.head = 0;
    this.inFlight = 0;
  }

  /** A reply to a request sent once arrived after `rttMs`. */
  sample(rttMs: number): void {
    if (!(rttMs >= 0)) return;
    if (this.srtt === undefined) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
    this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
  }

  /** The timer of attempt `attempt` (1 = first send) for a request whose base timeout is `baseMs`. */
  timeoutFor(attempt: number, baseMs: number): number {
    const rto = this.srtt === undefined ? baseMs : Math.max(baseMs, this.srtt + 4 * this.rttvar);
    const backoff = rto * 2 ** Math.max(0, attempt - 1);
    return Math.round(Math.min(backoff, baseMs * this.maxBackoff));
  }
}

function noop(): void {}
