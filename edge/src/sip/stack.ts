// The SIP stack object: transports -> parser -> transaction layer -> dialogs -> router. One instance per
// owner (the edge's composition root builds it); no module-level state.

import { type Clock, systemClock } from '@hcc/shared';
import { OutgoingRequest } from './client-request.ts';
import { Dialog, type DialogHost, dialogKey } from './dialog/dialog.ts';
import { uacDialogInit, uasDialogInit } from './dialog/establish.ts';
import { LocalEndpoint } from './endpoint.ts';
import { SipError, SipParseError, TransactionTimeoutError } from './errors.ts';
import { type SipLogger, silentSipLogger } from './logger.ts';
import { createResponse, newTag } from './message/build.ts';
import type { SipMessage, SipRequest, SipResponse } from './message/message.ts';
import { DEFAULT_LIMITS, type ParseLimits, parseMessage } from './message/parser.ts';
import {
  checkUasRequirements,
  DEFAULT_CAPABILITIES,
  KNOWN_METHODS,
  type UasCapabilities,
  validateRequest,
} from './message/validate.ts';
import type { Via } from './message/via.ts';
import type { OverloadGuard } from './protect/overload.ts';
import type { SourceAdmission } from './protect/rate-limit.ts';
import { Router } from './router.ts';
import { type NextHop, responseDestination, stampVia } from './routing.ts';
import { type ReplySink, ServerRequest } from './server-request.ts';
import { type Channel, type ServerTransaction, TransactionLayer } from './transaction/layer.ts';
import { DEFAULT_TIMERS, type TimerValues } from './transaction/transaction.ts';
import type { Destination, Flow, Transport } from './transport/transport.ts';

export interface SipStackOptions {
  transports: Transport[];
  clock?: Clock;
  logger?: SipLogger;
  timers?: Partial<TimerValues>;
  capabilities?: UasCapabilities;
  limits?: ParseLimits;
  /** Host written in Via and Contact (default: each transport's bound address). */
  advertisedHost?: string;
  /** Asked with the source address before a message is parsed; false drops it (bans, rate limit). */
  rateLimiter?: SourceAdmission;
  overload?: OverloadGuard;
  /** Asked of each parsed request before any transaction exists: false drops it without an answer. */
  screen?: (req: SipRequest, flow: Flow) => boolean;
}

export interface SendOptions {
  /** Explicit next hop instead of Route / Request-URI. */
  hop?: NextHop;
  /** Reuse this connection/flow when possible (in-dialog requests). */
  flow?: Flow;
  /** INVITE: send the ACK for a 2xx automatically (default true). */
  autoAck?: boolean;
}

export class SipStats {
  received = 0;
  parseErrors = 0;
  rejected = 0;
  dropped = 0;
  rateLimited = 0;
  overloaded = 0;
  sendErrors = 0;
  handlerErrors = 0;
  strayResponses = 0;
}

export class SipStack implements ReplySink {
  readonly router = new Router();
  readonly stats = new SipStats();
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly transactions: TransactionLayer;
  readonly dialogs = new Map<string, Dialog>();
  private readonly logger: SipLogger;
  private readonly caps: UasCapabilities;
  private readonly limits: ParseLimits;
  private readonly invites = new WeakMap<ServerTransaction, ServerRequest>();
  private readonly dialogVias = new WeakMap<Dialog, Via>();
  private readonly endpoint: LocalEndpoint;
  private started = false;

  constructor(private readonly opts: SipStackOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentSipLogger;
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    this.caps = opts.capabilities ?? DEFAULT_CAPABILITIES;
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.endpoint = new LocalEndpoint(opts.transports, opts.advertisedHost);
    this.transactions = new TransactionLayer({ clock: this.clock, timers: this.timers, logger: this.logger });
  }

  get transports(): readonly Transport[] {
    return this.opts.transports;
  }

  use(...args: Parameters<Router['use']>): this {
    this.router.use(...args);
    return this;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const t of this.opts.transports) {
      await t.listen({
        message: (data, flow) => this.receive(data, flow),
        malformed: (reason, flow) => {
          this.stats.parseErrors++;
          this.logger.debug({ reason, from: flow.remoteAddress }, 'sip framing error');
        },
      });
    }
  }

  async close(): Promise<void> {
    for (const d of [...this.dialogs.values()]) d.terminate('shutdown');
    await Promise.all(this.opts.transports.map((t) => t.close()));
  }

  /** Entry point of every datagram or framed stream message. Never throws. */
  receive(data: Buffer, flow: Flow): void {
    this.stats.received++;
    if (this.opts.rateLimiter && !this.opts.rateLimiter.admit(flow.remoteAddress)) {
      this.stats.rateLimited++;
      return;
    }
    let msg: SipMessage;
    try {
      msg = parseMessage(data, { datagram: flow.transport.datagram, limits: this.limits });
    } catch (err) {
      this.stats.parseErrors++;
      if (err instanceof SipParseError && err.partial?.kind === 'request')
        this.rejectStateless(err.partial, err, flow);
      else this.stats.dropped++;
      return;
    }
    try {
      if (msg.kind === 'request') this.onRequest(msg, flow);
      else this.onResponse(msg);
    } catch (err) {
      if (err instanceof SipParseError && msg.kind === 'request') {
        this.stats.parseErrors++;
        this.rejectStateless(msg, err, flow);
      } else if (err instanceof SipParseError) {
        this.stats.dropped++;
      } else {
        this.stats.handlerErrors++;
        this.logger.error({ err }, 'sip receive failed');
      }
    }
  }

  /** Answers a request that failed validation without a transaction; drops what cannot be answered. */
  private rejectStateless(req: SipRequest, err: SipParseError | SipError, flow: Flow): void {
    // A response needs a Via to be routed and matched; without one the request is not identifiable.
    if (req.method === 'ACK' || !req.headers.has('via')) {
      this.stats.dropped++;
      return;
    }
    this.stats.rejected++;
    const res = createResponse(req, err.status, {
      reason: err.reason,
      toTag: newTag(),
      headers: err instanceof SipError ? err.headers : undefined,
    });
    let dest: Destination;
    try {
      dest = responseDestination(req.topVia, flow);
    } catch {
      dest = { address: flow.remoteAddress, port: flow.remotePort, connectionId: flow.connectionId };
    }
    this.transmit(flow.transport, dest, res);
  }

  private onRequest(req: SipRequest, flow: Flow): void {
    if (!req.headers.has('via')) {
      this.stats.dropped++;
      return;
    }
    if (this.opts.screen && !this.opts.screen(req, flow)) {
      this.stats.dropped++;
      return;
    }
    stampVia(req, flow);
    validateRequest(req);
    const existing = this.transactions.matchServer(req);
    if (existing) {
      existing.receiveRequest(req);
      return;
    }
    if (req.method === 'ACK') {
      this.onAck(req, flow);
      return;
    }
    if (req.method === 'CANCEL') {
      this.onCancel(req, flow);
      return;
    }
    const inDialog = req.toTag !== undefined;
    if (!inDialog && this.opts.overload) {
      const retryAfter = this.opts.overload.check({ serverTransactions: this.transactions.serverCount });
      if (retryAfter !== undefined) {
        this.stats.overloaded++;
        this.rejectStateless(
          req,
          new SipError(503, 'Service Unavailable', { headers: [['Retry-After', String(retryAfter)]] }),
          flow,
        );
        return;
      }
    }
    const via = req.topVia;
    const tx = this.transactions.createServer(
      req,
      this.channel(flow, () => responseDestination(via, flow)),
      {
        onFailure: (cause) => this.logger.debug({ cause, method: req.method }, 'server transaction failed'),
      },
    );
    let dialog: Dialog | undefined;
    if (inDialog) dialog = this.dialogs.get(dialogKey(req.callId, req.toTag!, req.fromTag ?? ''));
    const sreq = new ServerRequest(req, flow, tx, req.toTag ?? newTag(), this, dialog);
    if (req.method === 'INVITE') this.invites.set(tx, sreq);
    try {
      if (inDialog && !dialog) throw new SipError(481, 'Call/Transaction Does Not Exist');
      dialog?.acceptRemoteSeq(req);
      if (dialog && flow.transport.reliable) dialog.flow = flow;
      checkUasRequirements(req, this.caps);
    } catch (err) {
      this.failRequest(sreq, err);
      return;
    }
    this.router.dispatch(sreq).then(
      (handled) => {
        if (!handled && !sreq.answered) {
          const known = KNOWN_METHODS.has(req.method);
          sreq.reply(known ? 405 : 501, { headers: [['Allow', this.allow()]] });
        }
      },
      (err: unknown) => this.failRequest(sreq, err),
    );
  }

  private allow(): string {
    const m = new Set(['ACK', 'CANCEL', ...this.router.methods]);
    return [...m].join(', ');
  }

  private failRequest(sreq: ServerRequest, err: unknown): void {
    if (!(err instanceof SipError)) {
      this.stats.handlerErrors++;
      this.logger.error({ err, method: sreq.method }, 'sip handler failed');
    }
    if (sreq.answered) return;
    if (err instanceof SipError) sreq.reply(err.status, { reason: err.reason, headers: err.headers });
    else sreq.reply(500);
  }

  private onAck(req: SipRequest, flow: Flow): void {
    // ACK for a 2xx: its own transaction, matched to the dialog (§13.3.1.4, §17.1.1.3).
    const dialog = this.dialogs.get(dialogKey(req.callId, req.toTag ?? '', req.fromTag ?? ''));
    if (!dialog) {
      this.stats.dropped++;
      return;
    }
    dialog.receiveAck(req);
    const sreq = new ServerRequest(req, flow, undefined, dialog.id.localTag, this, dialog);
    this.router.dispatch(sreq).catch((err: unknown) => {
      this.stats.handlerErrors++;
      this.logger.error({ err }, 'ACK handler failed');
    });
  }

  private onCancel(cancel: SipRequest, flow: Flow): void {
    const via = cancel.topVia;
    const tx = this.transactions.createServer(
      cancel,
      this.channel(flow, () => responseDestination(via, flow)),
    );
    const target = this.transactions.matchCancelTarget(cancel);
    const sreq = target ? this.invites.get(target) : undefined;
    if (!target || !sreq) {
      tx.respond(createResponse(cancel, 481, { toTag: newTag() }));
      return;
    }
    // §9.2: 200 to the CANCEL, then 487 to the INVITE if it is still unanswered.
    tx.respond(createResponse(cancel, 200, { toTag: sreq.localTag }));
    if (target.canRespond && !sreq.answered) sreq.reply(487);
    sreq.markCancelled();
  }

  private onResponse(res: SipResponse): void {
    if (this.transactions.receiveResponse(res)) return;
    // A retransmitted 2xx after the INVITE transaction ended: re-send our ACK (§13.2.2.4).
    if (res.status >= 200 && res.status < 300 && res.cseq.method === 'INVITE') {
      const d = this.dialogs.get(dialogKey(res.callId, res.fromTag ?? '', res.toTag ?? ''));
      if (d?.reAck(res.cseq.seq)) return;
    }
    this.stats.strayResponses++;
  }

  /** ReplySink: sends a response for `sreq`, keeping dialogs in step with it. */
  reply(sreq: ServerRequest, res: SipResponse): Dialog | undefined {
    const req = sreq.message;
    let dialog = sreq.dialog;
    const status = res.status;
    if (req.method === 'INVITE' && status > 100 && status < 300 && !res.headers.has('contact')) {
      res.headers.append('Contact', this.contactFor(sreq.flow.transport));
    }
    if (req.method === 'INVITE' && !dialog && status > 100 && status < 300) {
      dialog = this.createUasDialog(sreq, status < 200 ? 'early' : 'confirmed');
    } else if (dialog && req.method === 'INVITE' && !req.toTag && status >= 200 && status < 300) {
      dialog.state = 'confirmed';
    }
    if (sreq.transaction) {
      sreq.transaction.respond(res);
      // Only a pending INVITE can be CANCELled: forget it so the lingering transaction does not pin the request.
      if (status >= 200) this.invites.delete(sreq.transaction);
    } else this.transmit(sreq.flow.transport, responseDestination(req.topVia, sreq.flow), res);
    if (dialog && req.method === 'INVITE' && status >= 200 && status < 300) {
      dialog.retransmitUntilAck(res, sreq.flow.transport.reliable);
    } else if (dialog && req.method === 'INVITE' && !req.toTag && status >= 300) {
      dialog.terminate('rejected');
      dialog = undefined;
    } else if (dialog && req.method === 'BYE' && status >= 200 && status < 300) {
      dialog.terminate('bye-received');
    }
    return dialog;
  }

  private createUasDialog(sreq: ServerRequest, state: 'early' | 'confirmed'): Dialog {
    const init = uasDialogInit(sreq.message, sreq.localTag, state, sreq.flow);
    const d = new Dialog(this.dialogHost(), 'uas', init.id, init);
    this.dialogVias.set(d, sreq.message.topVia);
    this.dialogs.set(d.key, d);
    return d;
  }

  private dialogHostCache: DialogHost | undefined;

  private dialogHost(): DialogHost {
    this.dialogHostCache ??= {
      clock: this.clock,
      timers: this.timers,
      // A 2xx to a re-INVITE is ACKed by send() through the dialog it finds by its tags.
      sendRequest: (d, req) => this.send(req, { flow: d.flow }).final,
      sendRaw: (d, msg) => {
        if (msg.kind === 'response') {
          const via = this.dialogVias.get(d);
          if (via && d.flow) this.transmit(d.flow.transport, responseDestination(via, d.flow), msg);
          return;
        }
        this.sendStatelessRequest(msg, d.flow);
      },
      forget: (d) => {
        if (this.dialogs.get(d.key) === d) this.dialogs.delete(d.key);
      },
    };
    return this.dialogHostCache;
  }

  /** Contact URI of this stack on a transport. */
  contactFor(t: Transport): string {
    return this.endpoint.contactFor(t);
  }

  /**
   * Sends a request in a new client transaction (UAC). Adds the top Via (new branch, rport), Max-Forwards and,
   * for dialog-creating requests, a Contact. The final promise resolves with the final response; a timeout
   * or transport failure resolves with a locally generated 408 or 503 (§8.1.3.1).
   */
  send(req: SipRequest, opts: SendOptions = {}): OutgoingRequest {
    const { transport, dest } = this.endpoint.target(req, opts.flow, opts.hop);
    this.endpoint.prepare(req, transport);
    const channel = this.channel(
      { transport, remoteAddress: dest.address, remotePort: dest.port, connectionId: dest.connectionId },
      () => dest,
    );
    const out = new OutgoingRequest(req, (cancel) => {
      this.transactions.createClient(cancel, channel, { onResponse: () => {} });
    });
    const autoAck = opts.autoAck ?? true;
    this.transactions.createClient(req, channel, {
      onResponse: (res) => {
        if (req.method === 'INVITE' && res.status >= 200 && res.status < 300) {
          const d = this.uacDialog(req, res, {
            transport,
            remoteAddress: dest.address,
            remotePort: dest.port,
            connectionId: dest.connectionId,
          });
          out.dialog = d;
          if (out.finished) {
            d.reAck(req.cseq.seq);
            return;
          }
          if (autoAck) d.ack(req.cseq.seq);
        }
        out.handle(res);
      },
      onFailure: (cause) => {
        const status = cause === 'timeout' ? 408 : 503;
        out.handle(
          createResponse(req, status, {
            reason: cause === 'timeout' ? 'Request Timeout' : 'Service Unavailable',
          }),
        );
        this.logger.debug(
          { err: new TransactionTimeoutError(cause), method: req.method },
          'client transaction failed',
        );
      },
    });
    return out;
  }

  /** ACK for 2xx and the like: a request sent once, outside any transaction. */
  private sendStatelessRequest(req: SipRequest, flow: Flow | undefined): void {
    const { transport, dest } = this.endpoint.target(req, flow);
    if (!req.headers.has('via')) this.endpoint.prepare(req, transport);
    this.transmit(transport, dest, req);
  }

  private uacDialog(req: SipRequest, res: SipResponse, flow: Flow): Dialog {
    const existing = this.dialogs.get(dialogKey(req.callId, req.fromTag ?? '', res.toTag ?? ''));
    if (existing) {
      existing.state = 'confirmed';
      return existing;
    }
    const init = uacDialogInit(req, res, flow);
    const d = new Dialog(this.dialogHost(), 'uac', init.id, init);
    this.dialogs.set(d.key, d);
    return d;
  }

  private channel(flow: Flow, destination: () => Destination): Channel {
    const transport = flow.transport;
    const ch: Channel = {
      reliable: transport.reliable,
      send: (m) => this.transmit(transport, destination(), m, ch.onError),
    };
    return ch;
  }

  private transmit(
    transport: Transport,
    dest: Destination,
    msg: SipMessage,
    onError?: (e: Error) => void,
  ): void {
    let buf: Buffer;
    try {
      buf = msg.toBuffer();
    } catch (err) {
      this.stats.sendErrors++;
      this.logger.error({ err }, 'serialise failed');
      return;
    }
    transport.send(buf, dest).catch((err: Error) => {
      this.stats.sendErrors++;
      this.logger.debug({ err: err.message, to: dest.address }, 'sip send failed');
      onError?.(err);
    });
  }
}
