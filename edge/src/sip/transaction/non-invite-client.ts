// Non-INVITE client transaction: RFC 3261 §17.1.2.
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { ClientTransactionUser } from './invite-client.ts';
import { Transaction, type TransactionDeps } from './transaction.ts';

export enum NonInviteClientState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteClientState;
const ALLOWED: Record<NonInviteClientState, NonInviteClientState[]> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  private timerE: number;

  constructor(
    key: string,
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly tu: ClientTransactionUser,
  ) {
    super(key, S.Trying, deps, ALLOWED, S.Terminated);
    this.timerE = deps.timers.T1;
  }

  /** §17.1.2.2: send, Timer E (unreliable only) and Timer F. */
  start(): void {
    this.deps.send(this.request);
    if (!this.deps.reliable) this.startTimer('E', this.timerE, () => this.fireE());
    this.startTimer('F', 64 * this.deps.timers.T1, () => this.fireF());
  }

  private fireE(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.deps.send(this.request);
    // Trying: double up to T2; Proceeding: every T2.
    this.timerE =
      this.state === S.Trying ? Math.min(2 * this.timerE, this.deps.timers.T2) : this.deps.timers.T2;
    this.startTimer('E', this.timerE, () => this.fireE());
  }

  private fireF(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.terminate('timeout');
    this.tu.onFailure?.('timeout');
  }

  receiveResponse(res: SipResponse): void {
    switch (this.state) {
      case S.Trying:
      case S.Proceeding:
        if (res.status < 200) {
          if (this.state === S.Trying) this.transition(S.Proceeding);
          this.tu.onResponse(res);
        } else {
          // §17.1.2.2: final -> Completed, Timer K buffers retransmitted responses.
          this.stopTimer('E');
          this.stopTimer('F');
          this.transition(S.Completed);
          this.startTimer('K', this.deps.reliable ? 0 : this.deps.timers.T4, () => this.terminate('normal'));
          this.tu.onResponse(res);
        }
        return;
      case S.Completed:
      case S.Terminated:
        // Retransmissions absorbed.
        return;
    }
  }

  transportError(err: Error): void {
    if (this.isTerminated) return;
    const hadFinal = this.state === S.Completed;
    this.terminate('transport-error');
    if (!hadFinal) this.tu.onFailure?.('transport-error', err);
  }
}
