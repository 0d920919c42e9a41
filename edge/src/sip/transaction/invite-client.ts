// INVITE client transaction: RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §7.2.
import { Headers } from '../message/headers.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { Transaction, type TransactionDeps } from './transaction.ts';

export enum InviteClientState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Accepted = 'Accepted',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = InviteClientState;
const ALLOWED: Record<InviteClientState, InviteClientState[]> = {
  [S.Calling]: [S.Proceeding, S.Accepted, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export interface ClientTransactionUser {
  /** Every response the TU must see: provisionals, the first final, and (Accepted) 2xx retransmissions. */
  onResponse(res: SipResponse): void;
  /** Timer B/F fired or the transport failed before any final response. */
  onFailure?(cause: 'timeout' | 'transport-error', err?: Error): void;
}

export class InviteClientTransaction extends Transaction<InviteClientState> {
  private timerA: number;
  private ack: SipRequest | undefined;

  constructor(
    key: string,
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly tu: ClientTransactionUser,
  ) {
    super(key, S.Calling, deps, ALLOWED, S.Terminated);
    this.timerA = deps.timers.T1;
  }

  /** §17.1.1.2: send the INVITE, Timer A for unreliable transports, Timer B always. */
  start(): void {
    this.deps.send(this.request);
    if (!this.deps.reliable) this.startTimer('A', this.timerA, () => this.fireA());
    this.startTimer('B', 64 * this.deps.timers.T1, () => this.fireB());
  }

  private fireA(): void {
    if (this.state !== S.Calling) return;
    this.deps.send(this.request);
    this.timerA *= 2;
    this.startTimer('A', this.timerA, () => this.fireA());
  }

  private fireB(): void {
    // Timer B only matters in Calling (§17.1.1.2): inform the TU of the timeout.
    if (this.state !== S.Calling) return;
    this.terminate('timeout');
    this.tu.onFailure?.('timeout');
  }

  receiveResponse(res: SipResponse): void {
    const code = res.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (code < 200) {
          // §17.1.1.2: a provisional stops retransmissions.
          if (this.state === S.Calling) {
            this.stopTimer('A');
            this.stopTimer('B');
            this.transition(S.Proceeding);
          }
          this.tu.onResponse(res);
        } else if (code < 300) {
          // RFC 6026 §7.2: 2xx moves to Accepted; Timer M keeps absorbing retransmitted 2xx for the TU.
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(S.Accepted);
          this.startTimer('M', 64 * this.deps.timers.T1, () => this.terminate('normal'));
          this.tu.onResponse(res);
        } else {
          // §17.1.1.2: 300-699 -> Completed, ACK sent by the transaction, Timer D.
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(S.Completed);
          this.sendAck(res);
          this.startTimer('D', this.deps.reliable ? 0 : 32_000, () => this.terminate('normal'));
          this.tu.onResponse(res);
        }
        return;
      case S.Accepted:
        // RFC 6026 §7.2: retransmitted 2xx go to the TU (which re-sends its ACK); others are dropped.
        if (code >= 200 && code < 300) this.tu.onResponse(res);
        return;
      case S.Completed:
        // §17.1.1.2: a retransmitted final response gets the same ACK again and is not passed up.
        if (code >= 300) this.sendAck(res);
        return;
      case S.Terminated:
        return;
    }
  }

  private sendAck(res: SipResponse): void {
    this.ack ??= buildNon2xxAck(this.request, res);
    this.deps.send(this.ack);
  }

  transportError(err: Error): void {
    if (this.isTerminated) return;
    const hadFinal = this.state !== S.Calling && this.state !== S.Proceeding;
    this.terminate('transport-error');
    if (!hadFinal) this.tu.onFailure?.('transport-error', err);
  }
}

/**
 * §17.1.1.3: the ACK for a non-2xx final response: same Request-URI, Call-ID, From, CSeq number and top Via
 * as the INVITE, To from the response, the INVITE's Route headers.
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new Headers();
  h.append('Via', firstVia(invite));
  for (const r of invite.headers.getAll('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', res.headers.get('to') ?? invite.headers.get('to') ?? '');
  h.append('Call-ID', invite.callId);
  h.append('CSeq', `${invite.cseq.seq} ACK`);
  return new SipRequest('ACK', invite.uriString, h);
}

function firstVia(req: SipRequest): string {
  const v = req.topVia;
  // Re-serialise only the top Via (a header line may hold several).
  const all = req.headers.getAll('via');
  if (all.length === 1 && req.vias.length === 1) return all[0]!;
  let out = `${v.protocol}/${v.transport} ${v.host}`;
  if (v.port !== undefined) out += `:${v.port}`;
  for (const [k, val] of v.params) out += val === null ? `;${k}` : `;${k}=${val}`;
  return out;
}
