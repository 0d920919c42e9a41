// A SIP dialog (RFC 3261 §12): identifiers, route set, remote target, CSeq rules, in-dialog requests,
// the 2xx/ACK exchange of §13.3.1.4 (UAS) and §13.2.2.4 (UAC).
import type { Clock, TimerHandle } from '@hcc/shared';
import { SipError } from '../errors.ts';
import { type NameAddr, parseNameAddr } from '../message/address.ts';
import { Headers } from '../message/headers.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { formatUri, type Uri } from '../message/uri.ts';
import type { TimerValues } from '../transaction/transaction.ts';
import type { Flow } from '../transport/transport.ts';
import type { DialogInit } from './establish.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';
export type DialogRole = 'uac' | 'uas';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

/** What a dialog needs from the stack that owns it. */
export interface DialogHost {
  clock: Clock;
  timers: TimerValues;
  /** Sends an in-dialog request in a new client transaction; resolves with the final response. */
  sendRequest(dialog: Dialog, req: SipRequest): Promise<SipResponse>;
  /** Sends a message outside any transaction (ACK for 2xx, 2xx retransmissions). */
  sendRaw(dialog: Dialog, msg: SipRequest | SipResponse): void;
  forget(dialog: Dialog): void;
}

export interface InDialogOptions {
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

export class Dialog {
  state: DialogState;
  /** Our From/To value (with our tag) and the peer's, as header values. */
  localParty: string;
  remoteParty: string;
  remoteTarget: Uri;
  /** Route header values in the order requests carry them (§12.1.1 UAS, §12.1.2 UAC reversed). */
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | undefined;
  /** The connection the dialog runs over, reused for in-dialog requests while open. */
  flow: Flow | undefined;
  private readonly terminatedListeners: Array<(reason: string) => void> = [];
  private readonly ackTimeoutListeners: Array<() => void> = [];
  // UAS: the 2xx we retransmit until the ACK arrives (§13.3.1.4).
  private pendingAck:
    | { cseq: number; timer: TimerHandle | undefined; deadline: TimerHandle | undefined }
    | undefined;
  // UAC: the ACK we re-send for each retransmitted 2xx (§13.2.2.4).
  private readonly acks = new Map<number, SipRequest>();

  constructor(
    private readonly host: DialogHost,
    readonly role: DialogRole,
    readonly id: DialogId,
    init: Omit<DialogInit, 'id'>,
  ) {
    this.state = init.state;
    this.localParty = init.localParty;
    this.remoteParty = init.remoteParty;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.flow = init.flow;
  }

  get key(): string {
    return dialogKey(this.id.callId, this.id.localTag, this.id.remoteTag);
  }

  get remote(): NameAddr {
    return parseNameAddr(this.remoteParty, 'To');
  }

  onTerminated(fn: (reason: string) => void): void {
    this.terminatedListeners.push(fn);
  }

  /**
   * UAS: `fn` runs when a 2xx we sent was never ACKed within 64*T1 (§13.3.1.4), just before the dialog
   * sends its BYE: the application ends what it built on the dialog (the call session, its media).
   */
  onAckTimeout(fn: () => void): void {
    this.ackTimeoutListeners.push(fn);
  }

  /** §12.2.1.1: a new in-dialog request with the next local CSeq, the route set and the remote target. */
  createRequest(method: string, opts: InDialogOptions = {}, cseq?: number): SipRequest {
    const h = new Headers();
    let target = formatUri(this.remoteTarget);
    const routes = [...this.routeSet];
    if (routes.length > 0) {
      const first = parseNameAddr(routes[0]!, 'Route');
      const loose = 'params' in first.uri && (first.uri as { params: Map<string, unknown> }).params.has('lr');
      if (!loose) {
        // Strict router (RFC 2543): it becomes the Request-URI, the remote target goes last in Route.
        routes.shift();
        routes.push(`<${target}>`);
        target = formatUri(first.uri);
      }
    }
    for (const r of routes) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', this.localParty);
    h.append('To', this.remoteParty);
    h.append('Call-ID', this.id.callId);
    const seq = cseq ?? (method === 'ACK' || method === 'CANCEL' ? this.localSeq : ++this.localSeq);
    h.append('CSeq', `${seq} ${method}`);
    for (const [n, v] of opts.headers ?? []) h.append(n, v);
    let body: Buffer | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
      if (opts.contentType) h.set('Content-Type', opts.contentType);
    }
    return new SipRequest(method, target, h, body);
  }

  /** Sends BYE, INFO, UPDATE, REFER, NOTIFY, re-INVITE ... and resolves with the final response. */
  async request(method: string, opts: InDialogOptions = {}): Promise<SipResponse> {
    if (this.state === 'terminated') throw new SipError(481, 'Dialog terminated');
    if (method === 'ACK' || method === 'CANCEL')
      throw new Error(`${method} is not sent with dialog.request()`);
    const req = this.createRequest(method, opts);
    if (method === 'BYE') this.terminate('bye-sent');
    return this.host.sendRequest(this, req);
  }

  bye(opts: InDialogOptions = {}): Promise<SipResponse> {
    return this.request('BYE', opts);
  }

  /**
   * §12.2.2: checks and records the remote CSeq of an incoming in-dialog request. Lower than the last one is
   * out of order (500). ACK and CANCEL reuse the INVITE's number and are not checked.
   */
  acceptRemoteSeq(req: SipRequest): void {
    if (req.method === 'ACK' || req.method === 'CANCEL') return;
    const seq = req.cseq.seq;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) {
      throw new SipError(500, 'CSeq out of order');
    }
    this.remoteSeq = seq;
    // Target refresh (§12.2.2): re-INVITE and UPDATE may carry a new Contact.
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      const c = req.contacts[0];
      if (c && !c.wildcard) this.remoteTarget = c.uri;
    }
  }

  /** UAS: retransmit `res` (a 2xx to INVITE) until the ACK, doubling from T1 to T2; give up at 64*T1 (§13.3.1.4). */
  retransmitUntilAck(res: SipResponse, reliable: boolean): void {
    this.stopAckWait();
    const cseq = res.cseq.seq;
    const { T1, T2 } = this.host.timers;
    let interval = T1;
    const entry: NonNullable<typeof this.pendingAck> = { cseq, timer: undefined, deadline: undefined };
    const tick = () => {
      this.host.sendRaw(this, res);
      interval = Math.min(interval * 2, T2);
      entry.timer = this.host.clock.setTimeout(tick, interval);
    };
    if (!reliable) entry.timer = this.host.clock.setTimeout(tick, interval);
    entry.deadline = this.host.clock.setTimeout(() => {
      // No ACK: confirm and immediately end the session with a BYE (§13.3.1.4).
      this.stopAckWait();
      for (const fn of this.ackTimeoutListeners) {
        try {
          fn();
        } catch {
          /* listeners must not break the stack */
        }
      }
      if (this.state !== 'terminated') void this.bye().catch(() => {});
    }, 64 * T1);
    this.pendingAck = entry;
  }

  /** An ACK for a 2xx arrived (UAS). Returns false when it does not match the pending 2xx. */
  receiveAck(req: SipRequest): boolean {
    if (!this.pendingAck || this.pendingAck.cseq !== req.cseq.seq) return false;
    this.stopAckWait();
    return true;
  }

  get awaitingAck(): boolean {
    return this.pendingAck !== undefined;
  }

  private stopAckWait(): void {
    if (!this.pendingAck) return;
    this.host.clock.clearTimeout(this.pendingAck.timer);
    this.host.clock.clearTimeout(this.pendingAck.deadline);
    this.pendingAck = undefined;
  }

  /** UAC: builds and sends the ACK for a 2xx to the INVITE with `cseq` (§13.2.2.4); re-sends it for retransmissions. */
  ack(cseq: number, opts: InDialogOptions = {}): SipRequest {
    let ack = this.acks.get(cseq);
    if (!ack) {
      ack = this.createRequest('ACK', opts, cseq);
      this.acks.set(cseq, ack);
      if (this.acks.size > 4) this.acks.delete(this.acks.keys().next().value!);
    }
    this.host.sendRaw(this, ack);
    return ack;
  }

  /** Re-sends the ACK for a retransmitted 2xx; false when that INVITE was never ACKed. */
  reAck(cseq: number): boolean {
    const ack = this.acks.get(cseq);
    if (!ack) return false;
    this.host.sendRaw(this, ack);
    return true;
  }

  terminate(reason: string): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.stopAckWait();
    this.host.forget(this);
    for (const fn of this.terminatedListeners) {
      try {
        fn(reason);
      } catch {
        /* listeners must not break the stack */
      }
    }
  }
}
