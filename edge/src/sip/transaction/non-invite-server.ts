// Non-INVITE server transaction: RFC 3261 §17.2.2.
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { ServerTransactionUser } from './invite-server.ts';
import { Transaction, type TransactionDeps } from './transaction.ts';

export enum NonInviteServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteServerState;
const ALLOWED: Record<NonInviteServerState, NonInviteServerState[]> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  private lastResponse: SipResponse | undefined;

  constructor(
    key: string,
    /** The request; released once the final response is sent. */
    public request: SipRequest | undefined,
    deps: TransactionDeps,
    private readonly tu: ServerTransactionUser = {},
  ) {
    super(key, S.Trying, deps, ALLOWED, S.Terminated);
  }

  respond(res: SipResponse): void {
    switch (this.state) {
      case S.Trying:
      case S.Proceeding:
        this.lastResponse = res;
        this.deps.send(res);
        if (res.status < 200) {
          if (this.state === S.Trying) this.transition(S.Proceeding);
        } else {
          // §17.2.2: final -> Completed; Timer J keeps answering retransmissions (0 on reliable transports).
          this.request = undefined;
          this.transition(S.Completed);
          this.startTimer('J', this.deps.reliable ? 0 : 64 * this.deps.timers.T1, () =>
            this.terminate('normal'),
          );
        }
        return;
      default:
        throw new Error(`NonInviteServerTransaction: cannot send ${res.status} in ${this.state}`);
    }
  }

  /** A retransmitted request: absorbed in Trying, answered with the last response afterwards. */
  receiveRequest(_req: SipRequest): void {
    if ((this.state === S.Proceeding || this.state === S.Completed) && this.lastResponse) {
      this.deps.send(this.lastResponse);
    }
  }

  get canRespond(): boolean {
    return this.state === S.Trying || this.state === S.Proceeding;
  }

  transportError(err: Error): void {
    if (this.isTerminated) return;
    this.terminate('transport-error');
    this.tu.onFailure?.('transport-error', err);
  }
}
