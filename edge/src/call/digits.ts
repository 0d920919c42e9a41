/**
 * DTMF of one call, from rtpengine's RFC 4733 log and from SIP INFO, as the IVR consumes it: digits
 * are buffered for the next collect, dropped while a prompt without barge-in plays, and wake whoever
 * waits. Waits run on the injected clock and honour an AbortSignal.
 */
import type { Clock } from '@hcc/shared';

type Waiter = (digit: string) => void;

export type DigitMode = 'buffer' | 'discard';

export class DigitBuffer {
  private readonly buffered: string[] = [];
  private waiter: Waiter | undefined;
  mode: DigitMode = 'buffer';
  /** Digits seen in total (tests and the CDR step count). */
  received = 0;

  constructor(private readonly clock: Clock) {}

  push(digit: string): void {
    this.received++;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(digit);
      return;
    }
    if (this.mode === 'buffer' && this.buffered.length < 32) this.buffered.push(digit);
  }

  /** Puts a digit back at the head of the buffer (a barge-in digit for the next collect). */
  putBack(digit: string): void {
    this.buffered.unshift(digit);
  }

  clear(): void {
    this.buffered.length = 0;
  }

  /** Takes one buffered digit, or waits up to `timeoutMs` for one; '' on timeout. */
  next(timeoutMs: number, signal: AbortSignal): Promise<string> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const d = this.buffered.shift();
    if (d !== undefined) return Promise.resolve(d);
    return new Promise<string>((resolve, reject) => {
      const done = (v: string) => {
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
        resolve(v);
      };
      const waiter: Waiter = (digit) => done(digit);
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        if (this.waiter === waiter) this.waiter = undefined;
        reject(signal.reason);
      };
      const timer = this.clock.setTimeout(() => done(''), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = waiter;
    });
  }
}

/** Resolves after `ms` on `clock`, rejects with the signal's reason when aborted first. */
export function sleepOn(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const INFO_DIGIT = /^[0-9*#A-D]$/;

/** The digit of a SIP INFO body (application/dtmf-relay `Signal=5` or application/dtmf `5`). */
export function digitFromInfo(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').toLowerCase();
  let d: string | undefined;
  if (type.startsWith('application/dtmf-relay')) d = /^\s*signal\s*=\s*(\S)/im.exec(body)?.[1];
  else if (type.startsWith('application/dtmf')) d = body.trim().slice(0, 1);
  if (!d) return undefined;
  d = d.toUpperCase();
  if (d === '10') return '*';
  return INFO_DIGIT.test(d) ? d : undefined;
}
