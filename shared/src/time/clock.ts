/**
 * The time source every layer takes by injection (ACD, IVR, media, config), so tests drive ring
 * timeouts, wrap-up, max wait and request timeouts without waiting.
 */

export type TimerHandle = unknown;

export interface Clock {
  /** Wall-clock milliseconds since the epoch (business hours need the real date). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real time with unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** Manual time for tests: `advance(ms)` runs every timer due in that window, in order. */
export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(startMs = Date.UTC(2025, 0, 6, 10, 0)) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /**
   * Runs due timers in time order, synchronously: for state machines driven by timers alone (SIP
   * transactions), where a test fires Timer H or J and inspects the state right after.
   */
  advanceSync(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const next = this.nextDue(until);
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = until;
  }

  private nextDue(until: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const x of this.timers)
      if (x.at <= until && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
    return next;
  }

  /** Runs due timers in time order; awaits a microtask flush after each so promise chains settle. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      await flush();
      const next = this.nextDue(until);
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = until;
    await flush();
  }
}

/** Lets pending promise callbacks run (a few macrotask-free turns). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
