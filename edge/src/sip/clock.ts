// Time source for every SIP timer, injected so tests can fire Timer B or H without waiting.

/** Opaque timer handle (a Node Timeout for the real clock). */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

/** Real time: performance.now() and unref'd Node timers (sockets keep the process alive, timers don't). */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    // Thousands of transactions each hold a timer: hand out the Timeout itself, no bookkeeping.
    return setTimeout(fn, ms).unref();
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle) clearTimeout(handle as NodeJS.Timeout);
  }
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** Manual time for tests: `advance(ms)` runs every timer due in that window, in order. */
export class FakeClock implements Clock {
  private t = 0;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const id = (handle as { id: number }).id;
    this.timers = this.timers.filter((x) => x.id !== id);
  }

  /** Number of armed timers (to assert that a finished transaction left nothing behind). */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const x of this.timers)
        if (x.at <= until && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = until;
  }
}
