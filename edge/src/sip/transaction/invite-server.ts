// INVITE server transaction: RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1.
import { createResponse } from '../message/build.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { Transaction, type TransactionDeps } from './transaction.ts';

export enum InviteServerState {
  Proceeding = 'Proceeding',
  Accepted = 'Accepted',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Terminated = 'Terminated',
}

const S = InviteServerState;
const ALLOWED: Record<InviteServerState, InviteServerState[]> = {
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Terminated]: [],
};

export interface ServerTransactionUser {
  /** Timer H fired without an ACK (§17.2.1), or the transport failed. */
  onFailure?(cause: 'timeout' | 'transport-error', err?: Error): void;
}

/** How long the TU may stay silent before the transaction sends 100 Trying itself (§17.2.1). */
export const TRYING_DELAY_MS = 200;

export class InviteServerTransaction extends Transaction<InviteServerState> {
  private lastResponse: SipResponse | undefined;
  private timerG: number;

  constructor(
    key: string,
    /** The INVITE; released once a final response is sent (thousands of transactions linger for Timer L/H). */
    public request: SipRequest | undefined,
    deps: TransactionDeps,
    private readonly tu: ServerTransactionUser = {},
  ) {
    super(key, S.Proceeding, deps, ALLOWED, S.Terminated);
    this.timerG = deps.timers.T1;
    // §17.2.1: 100 Trying unless the TU answers within 200 ms.
    this.startTimer('trying', TRYING_DELAY_MS, () => {
      if (this.state === S.Proceeding && !this.lastResponse && this.request) {
        this.respond(createResponse(this.request, 100));
      }
    });
  }

  /** The TU sends a response through the transaction. */
  respond(res: SipResponse): void {
    const code = res.status;
    switch (this.state) {
      case S.Proceeding:
        this.stopTimer('trying');
        this.lastResponse = res;
        this.deps.send(res);
        if (code < 200) return;
        this.request = undefined;
        if (code < 300) {
          // RFC 6026 §7.1: 2xx -> Accepted; the TU retransmits the 2xx; Timer L absorbs INVITE retransmissions.
          this.lastResponse = undefined;
          this.transition(S.Accepted);
          this.startTimer('L', 64 * this.deps.timers.T1, () => this.terminate('normal'));
        } else {
          // §17.2.1: 300-699 -> Completed with Timer G (unreliable) and Timer H.
          this.transition(S.Completed);
          if (!this.deps.reliable) this.startTimer('G', this.timerG, () => this.fireG());
          this.startTimer('H', 64 * this.deps.timers.T1, () => this.fireH());
        }
        return;
      case S.Accepted:
        // RFC 6026 §7.1: retransmissions of the 2xx from the TU pass through.
        if (code >= 200 && code < 300) this.deps.send(res);
        return;
      default:
        throw new Error(`InviteServerTransaction: cannot send ${code} in ${this.state}`);
    }
  }

  private fireG(): void {
    if (this.state !== S.Completed || !this.lastResponse) return;
    this.deps.send(this.lastResponse);
    this.timerG = Math.min(2 * this.timerG, this.deps.timers.T2);
    this.startTimer('G', this.timerG, () => this.fireG());
  }

  private fireH(): void {
    if (this.state !== S.Completed) return;
    this.terminate('timeout');
    this.tu.onFailure?.('timeout');
  }

  /** A request matched to this transaction: a retransmitted INVITE or the ACK for a non-2xx response. */
  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === S.Completed) {
        // §17.2.1: ACK -> Confirmed, Timer I absorbs ACK retransmissions.
        this.stopTimer('G');
        this.stopTimer('H');
        this.transition(S.Confirmed);
        this.startTimer('I', this.deps.reliable ? 0 : this.deps.timers.T4, () => this.terminate('normal'));
      }
      return;
    }
    // Retransmitted INVITE: Proceeding and Completed re-send the last response; Accepted absorbs it.
    if ((this.state === S.Proceeding || this.state === S.Completed) && this.lastResponse) {
      this.deps.send(this.lastResponse);
    }
  }

  /** True while a final response can still be sent (CANCEL answers 487 only then, §9.2). */
  get canRespond(): boolean {
    return this.state === S.Proceeding;
  }

  transportError(err: Error): void {
    if (this.isTerminated) return;
    this.terminate('transport-error');
    this.tu.onFailure?.('transport-error', err);
  }
}
