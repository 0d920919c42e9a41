/**
 * Trunk health: OPTIONS pings to every trunk of the applied config (RFC 3261 11) and the up/down
 * state they lead to. The state machine is pure (`TrunkHealthCounter.record`); the monitor runs one
 * ping loop per trunk on an injected clock, re-reads the config (a trunk removed stops being pinged,
 * a changed one starts afresh), logs and emits an event on every change. No address or number is
 * logged or emitted: trunks are named by their config id.
 */
import type { ConfigBundle, Trunk } from '@hcc/proto';
import { type Clock, type Logger, type Observer, type TimerHandle, trunkHealthPolicy } from '@hcc/shared';

export type TrunkState = 'unknown' | 'up' | 'down' | 'unmonitored';

/** What one ping found: an answer (any final response but 408 and 5xx/6xx), or why it failed. */
export type PingOutcome =
  | { ok: true; rttMs: number; status: number }
  | { ok: false; reason: 'timeout' | 'error-response' | 'send-failed'; status?: number };

export type TrunkChangeReason = 'answered' | 'timeout' | 'error-response' | 'send-failed';

export interface TrunkStatusChange {
  trunkId: string;
  state: TrunkState;
  previous: TrunkState;
  reason: TrunkChangeReason;
  /** Consecutive pings with the same outcome that led to the change. */
  consecutive: number;
  configVersion: bigint;
}

export interface TrunkHealthEvents {
  trunkStatusChanged: TrunkStatusChange;
}

/** One trunk's health as /api/status and the heartbeat show it. */
export interface TrunkHealthView {
  id: string;
  state: TrunkState;
  /** When the state last changed (ms since the epoch), or monitoring started. */
  lastChange: number;
  /** Round trip of the last answered ping. */
  rttMs: number | undefined;
  /** Failed pings and answered pings since monitoring started. */
  failures: number;
  successes: number;
}

/** A trunk's health in /api/status (snake_case like the rest of the status document). */
export function trunkStatusView(v: TrunkHealthView) {
  return {
    id: v.id,
    state: v.state,
    last_change: new Date(v.lastChange).toISOString(),
    rtt_ms: v.rttMs ?? null,
    failures: v.failures,
    successes: v.successes,
  };
}

/** Read side for the call layer: which trunks calls out may use first. */
export interface TrunkHealthReader {
  state(trunkId: string): TrunkState;
}

/**
 * The up/down state machine of one trunk. Unknown (not pinged yet) becomes up on the first answer;
 * `down` failures in a row mark it down from unknown or up; `up` answers in a row mark a down trunk up.
 */
export class TrunkHealthCounter {
  state: TrunkState = 'unknown';
  lastChange: number;
  rttMs: number | undefined;
  failures = 0;
  successes = 0;
  private runOk = 0;
  private runFail = 0;

  constructor(
    private readonly down: number,
    private readonly up: number,
    now: number,
  ) {
    this.lastChange = now;
  }

  /** Counts one ping; returns the change it caused, if any. */
  record(o: PingOutcome, now: number): Omit<TrunkStatusChange, 'trunkId' | 'configVersion'> | undefined {
    const previous = this.state;
    if (o.ok) {
      this.successes++;
      this.rttMs = o.rttMs;
      this.runOk++;
      this.runFail = 0;
      const mark = previous === 'unknown' || (previous === 'down' && this.runOk >= this.up);
      if (!mark) return undefined;
      return this.to('up', previous, 'answered', this.runOk, now);
    }
    this.failures++;
    this.runFail++;
    this.runOk = 0;
    if (previous === 'down' || this.runFail < this.down) return undefined;
    return this.to('down', previous, o.reason, this.runFail, now);
  }

  private to(state: TrunkState, previous: TrunkState, reason: TrunkChangeReason, n: number, now: number) {
    this.state = state;
    this.lastChange = now;
    return { state, previous, reason, consecutive: n };
  }
}

/** Sends one OPTIONS to the trunk and says how it went (ping.ts; a fake in unit tests). */
export type Pinger = (trunk: Trunk, timeoutMs: number) => Promise<PingOutcome>;

/** A ping gives up after this long (or the interval, if shorter) and counts as a timeout. */
export const PING_TIMEOUT_MS = 5000;
/** How often the monitor looks for a new config (a reference compare: nothing to do when unchanged). */
export const CONFIG_CHECK_MS = 1000;

interface Watched {
  trunk: Trunk;
  /** Host, port, transport and policy: a change restarts the trunk's health from unknown. */
  key: string;
  counter: TrunkHealthCounter | undefined;
  timer: TimerHandle | undefined;
  stopped: boolean;
  /** When monitoring of this trunk (with this key) started. */
  since: number;
}

export interface TrunkHealthMonitorOptions {
  config: { current(): ConfigBundle | undefined };
  ping: Pinger;
  clock: Clock;
  log: Logger;
  observer: Observer<TrunkHealthEvents>;
}

export class TrunkHealthMonitor implements TrunkHealthReader {
  private readonly watched = new Map<string, Watched>();
  private bundle: ConfigBundle | undefined;
  private configTimer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly o: TrunkHealthMonitorOptions) {}

  start(): void {
    this.running = true;
    this.sync();
  }

  stop(): void {
    this.running = false;
    if (this.configTimer !== undefined) this.o.clock.clearTimeout(this.configTimer);
    this.configTimer = undefined;
    for (const w of this.watched.values()) this.unwatch(w);
    this.watched.clear();
  }

  state(trunkId: string): TrunkState {
    this.refresh();
    const w = this.watched.get(trunkId);
    if (!w) return 'unknown';
    return w.counter ? w.counter.state : 'unmonitored';
  }

  /** Every trunk of the applied config, in its order. */
  view(): TrunkHealthView[] {
    this.refresh();
    const inOrder = (this.bundle?.trunks ?? []).flatMap((t) => this.watched.get(t.id) ?? []);
    return inOrder.map((w) => ({
      id: w.trunk.id,
      state: w.counter ? w.counter.state : 'unmonitored',
      lastChange: w.counter?.lastChange ?? w.since,
      rttMs: w.counter?.rttMs,
      failures: w.counter?.failures ?? 0,
      successes: w.counter?.successes ?? 0,
    }));
  }

  /** Follows the applied config every CONFIG_CHECK_MS (and on every read): see refresh(). */
  sync(): void {
    if (!this.running) return;
    this.refresh();
    this.configTimer = this.o.clock.setTimeout(() => this.sync(), CONFIG_CHECK_MS);
  }

  /** New trunks start being pinged, removed ones stop; nothing to do while the bundle is the same object. */
  private refresh(): void {
    const b = this.o.config.current();
    if (!this.running || b === this.bundle) return;
    this.bundle = b;
    const keep = new Set<string>();
    for (const t of b?.trunks ?? []) {
      keep.add(t.id);
      const key = keyOf(t);
      const w = this.watched.get(t.id);
      if (w && w.key === key) {
        w.trunk = t;
        continue;
      }
      if (w) this.unwatch(w);
      this.watch(t, key);
    }
    for (const [id, w] of this.watched)
      if (!keep.has(id)) {
        this.unwatch(w);
        this.watched.delete(id);
      }
  }

  private watch(trunk: Trunk, key: string): void {
    const policy = trunkHealthPolicy(trunk);
    const now = this.o.clock.now();
    const w: Watched = {
      trunk,
      key,
      counter: policy
        ? new TrunkHealthCounter(policy.downAfterFailures, policy.upAfterSuccesses, now)
        : undefined,
      timer: undefined,
      stopped: false,
      since: now,
    };
    this.watched.set(trunk.id, w);
    if (policy) this.schedule(w, 0, policy.intervalMs);
  }

  private unwatch(w: Watched): void {
    w.stopped = true;
    if (w.timer !== undefined) this.o.clock.clearTimeout(w.timer);
    w.timer = undefined;
  }

  private schedule(w: Watched, delayMs: number, intervalMs: number): void {
    w.timer = this.o.clock.setTimeout(() => {
      w.timer = undefined;
      void this.pingOnce(w, intervalMs);
    }, delayMs);
  }

  private async pingOnce(w: Watched, intervalMs: number): Promise<void> {
    const { clock, log } = this.o;
    const sent = clock.now();
    let outcome: PingOutcome;
    try {
      outcome = await this.o.ping(w.trunk, Math.min(intervalMs, PING_TIMEOUT_MS));
    } catch {
      outcome = { ok: false, reason: 'send-failed' };
    }
    if (w.stopped || !w.counter) return;
    const change = w.counter.record(outcome, clock.now());
    if (change) {
      const e: TrunkStatusChange = {
        trunkId: w.trunk.id,
        configVersion: this.bundle?.version ?? 0n,
        ...change,
      };
      const line = {
        trunk: e.trunkId,
        state: e.state,
        previous: e.previous,
        reason: e.reason,
        consecutive: e.consecutive,
      };
      if (e.state === 'down') log.warn(line, 'trunk marked down');
      else log.info(line, 'trunk marked up');
      this.o.observer.emit('trunkStatusChanged', e);
    }
    // The next ping is due one interval after this one was sent (a slow answer does not add up).
    this.schedule(w, Math.max(0, intervalMs - (clock.now() - sent)), intervalMs);
  }
}

function keyOf(t: Trunk): string {
  const p = trunkHealthPolicy(t);
  const policy = p ? `${p.intervalMs}/${p.downAfterFailures}/${p.upAfterSuccesses}` : 'off';
  return `${t.host}|${t.port}|${t.transport}|${policy}`;
}
