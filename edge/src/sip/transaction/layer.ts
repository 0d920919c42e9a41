// The transaction layer: creates the four kinds of transaction, matches incoming messages to them
// (§17.1.3, §17.2.3), and forgets them once terminated.
import type { Clock } from '@hcc/shared';
import type { SipLogger } from '../logger.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.ts';
import { viaBranch } from '../message/via.ts';
import { type ClientTransactionUser, InviteClientTransaction } from './invite-client.ts';
import { InviteServerTransaction, type ServerTransactionUser } from './invite-server.ts';
import { clientKey, clientKeyOfResponse, serverKey } from './keys.ts';
import { NonInviteClientTransaction } from './non-invite-client.ts';
import { NonInviteServerTransaction } from './non-invite-server.ts';
import type { TimerValues, Transaction } from './transaction.ts';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export interface LayerDeps {
  clock: Clock;
  timers: TimerValues;
  logger: SipLogger;
}

export interface Channel {
  send: (msg: SipMessage) => void;
  reliable: boolean;
  /** Set by the layer: the transport reports delivery failures of this channel here. */
  onError?: (err: Error) => void;
}

export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();

  constructor(private readonly deps: LayerDeps) {}

  get serverCount(): number {
    return this.servers.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The server transaction a request belongs to (retransmission, or ACK of a non-2xx), if any. */
  matchServer(req: SipRequest): ServerTransaction | undefined {
    return this.servers.get(serverKey(req));
  }

  /** The INVITE server transaction a CANCEL targets (§9.2: same key with method INVITE). */
  matchCancelTarget(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.servers.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  createServer(req: SipRequest, channel: Channel, tu: ServerTransactionUser = {}): ServerTransaction {
    const key = serverKey(req);
    const deps = {
      ...this.deps,
      ...channel,
      onTerminated: (t: Transaction<string>) => this.forgetServer(key, t),
    };
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, req, deps, tu)
        : new NonInviteServerTransaction(key, req, deps, tu);
    channel.onError = (err) => tx.transportError(err);
    this.servers.set(key, tx);
    return tx;
  }

  private forgetServer(key: string, tx: Transaction<string>): void {
    if (this.servers.get(key) === tx) this.servers.delete(key);
  }

  /** Creates and starts a client transaction. The request must already carry its top Via with our branch. */
  createClient(req: SipRequest, channel: Channel, tu: ClientTransactionUser): ClientTransaction {
    const branch = viaBranch(req.topVia) ?? '';
    const key = clientKey(branch, req.method);
    const deps = {
      ...this.deps,
      ...channel,
      onTerminated: (t: Transaction<string>) => {
        if (this.clients.get(key) === t) this.clients.delete(key);
      },
    };
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(key, req, deps, tu)
        : new NonInviteClientTransaction(key, req, deps, tu);
    channel.onError = (err) => tx.transportError(err);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Delivers a response to its client transaction; false when none matches (stray or forked 2xx). */
  receiveResponse(res: SipResponse): boolean {
    const key = clientKeyOfResponse(res);
    const tx = key ? this.clients.get(key) : undefined;
    if (!tx) return false;
    tx.receiveResponse(res);
    return true;
  }
}
