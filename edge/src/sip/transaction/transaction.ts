// What the four RFC 3261 §17 state machines share: a guarded state transition, injected clock and sender,
// named timers that are cleared together when the transaction ends.
import type { Clock, TimerHandle } from '@hcc/shared';
import { TransactionStateError } from '../errors.ts';
import type { SipLogger } from '../logger.ts';
import type { SipMessage } from '../message/message.ts';

export interface TimerValues {
  /** RTT estimate (500 ms). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  T2: number;
  /** Maximum duration a message will remain in the network (5 s). */
  T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

export interface TransactionDeps {
  clock: Clock;
  timers: TimerValues;
  /** Sends a message to this transaction's peer; transport failures come back through `transportError()`. */
  send: (msg: SipMessage) => void;
  /** Reliable transports (TCP, TLS, WS) need no retransmissions and zero-length wait timers. */
  reliable: boolean;
  logger: SipLogger;
  /** Called once, when the transaction reaches Terminated, so its owner can forget it. */
  onTerminated?: (tx: Transaction<string>) => void;
}

export type TerminationCause = 'normal' | 'timeout' | 'transport-error';

export abstract class Transaction<S extends string> {
  private currentState: S;
  private readonly timers = new Map<string, TimerHandle>();
  terminationCause: TerminationCause | undefined;

  protected constructor(
    readonly key: string,
    initial: S,
    protected readonly deps: TransactionDeps,
    private readonly allowed: Readonly<Record<S, readonly S[]>>,
    private readonly terminated: S,
  ) {
    this.currentState = initial;
  }

  get state(): S {
    return this.currentState;
  }

  get isTerminated(): boolean {
    return this.currentState === this.terminated;
  }

  /** Moves to `to`; an edge the RFC does not draw is a bug and throws TransactionStateError. */
  protected transition(to: S): void {
    const from = this.currentState;
    if (!this.allowed[from].includes(to)) {
      throw new TransactionStateError(`${this.constructor.name}: illegal transition ${from} -> ${to}`);
    }
    this.currentState = to;
    if (to === this.terminated) {
      for (const h of this.timers.values()) this.deps.clock.clearTimeout(h);
      this.timers.clear();
      this.terminationCause ??= 'normal';
      this.deps.onTerminated?.(this as Transaction<string>);
    }
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    this.timers.set(
      name,
      this.deps.clock.setTimeout(() => {
        this.timers.delete(name);
        fire();
      }, ms),
    );
  }

  protected stopTimer(name: string): void {
    const h = this.timers.get(name);
    if (h) {
      this.deps.clock.clearTimeout(h);
      this.timers.delete(name);
    }
  }

  protected terminate(cause: TerminationCause): void {
    if (this.isTerminated) return;
    this.terminationCause = cause;
    this.transition(this.terminated);
  }

  /** The transport could not deliver (RFC 3261 §17.1.4, §17.2.4): the transaction ends. */
  abstract transportError(err: Error): void;
}
