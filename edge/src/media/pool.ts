/**
 * A pool of rtpengine instances: periodic ping health checks, a healthy instance chosen for each new call
 * (least calls, ties broken round robin), calls pinned to their instance until released.
 */

import { type Clock, type Logger, Observer, silentLogger, systemClock, type TimerHandle } from '@hcc/shared';
import { NoMediaServerError } from './errors.ts';

/** What the pool needs from a client: NgClient satisfies it. */
export interface PingableClient {
  ping(opts?: { timeoutMs?: number; retries?: number }): Promise<void>;
}

export interface PoolServer<C extends PingableClient> {
  id: string;
  client: C;
}

export interface HealthChange {
  id: string;
  healthy: boolean;
  /** Calls still pinned to the instance (on a loss: calls the call layer should consider broken). */
  pinnedCalls: string[];
  error?: unknown;
  at: number;
}

export interface PoolEvents extends Record<string, unknown> {
  health: HealthChange;
}

export interface PoolOptions<C extends PingableClient> {
  servers: PoolServer<C>[];
  /** Time between health checks. Default 2000 ms. */
  intervalMs?: number;
  /** Ping timeout per check (no retransmission). Default 500 ms. */
  pingTimeoutMs?: number;
  /** Consecutive failed pings before an instance counts as down. Default 2. */
  failuresToDown?: number;
  strategy?: 'least-calls' | 'round-robin';
  logger?: Logger;
  clock?: Clock;
}

export interface PoolMemberState {
  id: string;
  healthy: boolean;
  calls: number;
}

interface Member<C> {
  id: string;
  client: C;
  healthy: boolean;
  failures: number;
  calls: Set<string>;
}

export class RtpenginePool<C extends PingableClient> {
  readonly observer: Observer<PoolEvents>;
  private readonly members: Member<C>[];
  private readonly pinned = new Map<string, Member<C>>();
  private readonly intervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly failuresToDown: number;
  private readonly strategy: 'least-calls' | 'round-robin';
  private readonly logger: Logger;
  private readonly clock: Clock;
  private rrNext = 0;
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(opts: PoolOptions<C>) {
    if (opts.servers.length === 0) throw new RangeError('a pool needs at least one rtpengine');
    this.members = opts.servers.map((s) => ({
      id: s.id,
      client: s.client,
      healthy: true,
      failures: 0,
      calls: new Set(),
    }));
    this.intervalMs = opts.intervalMs ?? 2000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 500;
    this.failuresToDown = opts.failuresToDown ?? 2;
    this.strategy = opts.strategy ?? 'least-calls';
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.observer = new Observer<PoolEvents>(this.logger);
  }

  /** Starts periodic health checks, the first one right away. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async loop(): Promise<void> {
    await this.checkNow();
    if (this.running) this.timer = this.clock.setTimeout(() => void this.loop(), this.intervalMs);
  }

  /** Pings every instance once and updates health. */
  async checkNow(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        try {
          await m.client.ping({ timeoutMs: this.pingTimeoutMs, retries: 0 });
          this.markUp(m);
        } catch (err) {
          this.markFailure(m, err);
        }
      }),
    );
  }

  /** Lets the call layer report a failed request (e.g. a timeout) on an instance. */
  reportFailure(id: string, err: unknown): void {
    const m = this.members.find((x) => x.id === id);
    if (m) this.markFailure(m, err);
  }

  private markUp(m: Member<C>): void {
    m.failures = 0;
    if (m.healthy) return;
    m.healthy = true;
    this.logger.info({ rtpengine: m.id }, 'rtpengine healthy again');
    this.observer.emit('health', {
      id: m.id,
      healthy: true,
      pinnedCalls: [...m.calls],
      at: this.clock.now(),
    });
  }

  private markFailure(m: Member<C>, err: unknown): void {
    m.failures++;
    if (!m.healthy || m.failures < this.failuresToDown) return;
    m.healthy = false;
    this.logger.error({ rtpengine: m.id, err, pinnedCalls: m.calls.size }, 'rtpengine down');
    this.observer.emit('health', {
      id: m.id,
      healthy: false,
      pinnedCalls: [...m.calls],
      error: err,
      at: this.clock.now(),
    });
  }

  /** Places a new call on a healthy instance, or returns the instance the call is already pinned to. */
  acquire(callId: string): { id: string; client: C } {
    const existing = this.pinned.get(callId);
    if (existing) return { id: existing.id, client: existing.client };
    const m = this.pick();
    if (!m) throw new NoMediaServerError(`no healthy rtpengine among ${this.members.length}`);
    m.calls.add(callId);
    this.pinned.set(callId, m);
    return { id: m.id, client: m.client };
  }

  private pick(): Member<C> | undefined {
    const n = this.members.length;
    let best: Member<C> | undefined;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.rrNext + i) % n]!;
      if (!m.healthy) continue;
      if (this.strategy === 'round-robin') {
        best = m;
        break;
      }
      if (!best || m.calls.size < best.calls.size) best = m;
    }
    if (best) this.rrNext = (this.members.indexOf(best) + 1) % n;
    return best;
  }

  /** The instance a call is pinned to, if any. */
  lookup(callId: string): { id: string; client: C } | undefined {
    const m = this.pinned.get(callId);
    return m && { id: m.id, client: m.client };
  }

  release(callId: string): void {
    const m = this.pinned.get(callId);
    if (!m) return;
    m.calls.delete(callId);
    this.pinned.delete(callId);
  }

  snapshot(): PoolMemberState[] {
    return this.members.map((m) => ({ id: m.id, healthy: m.healthy, calls: m.calls.size }));
  }
}
