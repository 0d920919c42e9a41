// The request an application handler sees: the message, where it came from, its dialog, and `reply()`.
import type { Dialog } from './dialog/dialog.ts';
import { createResponse, type ResponseOptions } from './message/build.ts';
import type { SipRequest, SipResponse } from './message/message.ts';
import type { ServerTransaction } from './transaction/layer.ts';
import type { Flow } from './transport/transport.ts';

/** What a ServerRequest needs from the stack. */
export interface ReplySink {
  /** Sends `res` through the transaction (or statelessly when there is none); returns the dialog created, if any. */
  reply(req: ServerRequest, res: SipResponse): Dialog | undefined;
}

export class ServerRequest {
  /** Set once a final response has gone out. */
  finalStatus: number | undefined;
  private lastProvisional: number | undefined;
  private readonly cancelListeners: Array<() => void> = [];
  cancelled = false;
  /** Free-form per-request state for middleware (account, span, normalised number ...). */
  readonly locals: Record<string, unknown> = {};

  constructor(
    readonly message: SipRequest,
    readonly flow: Flow,
    readonly transaction: ServerTransaction | undefined,
    /** Our To tag for this request's responses (the existing one for in-dialog requests). */
    readonly localTag: string,
    private readonly sink: ReplySink,
    public dialog: Dialog | undefined,
  ) {}

  get method(): string {
    return this.message.method;
  }

  get source(): { address: string; port: number; protocol: string } {
    return {
      address: this.flow.remoteAddress,
      port: this.flow.remotePort,
      protocol: this.flow.transport.protocol,
    };
  }

  get answered(): boolean {
    return this.finalStatus !== undefined;
  }

  /** Builds a response to this request (To tag, copied headers) without sending it. */
  createResponse(status: number, opts: ResponseOptions = {}): SipResponse {
    return createResponse(this.message, status, { toTag: this.localTag, ...opts });
  }

  /**
   * Sends a response. A 2xx to INVITE creates (or confirms) the dialog and is retransmitted until the ACK.
   * Returns the dialog, if one exists after this response. A second final response is ignored.
   */
  reply(status: number, opts: ResponseOptions = {}): Dialog | undefined {
    if (this.finalStatus !== undefined || this.message.method === 'ACK') return this.dialog;
    if (status < 200) {
      if (status === this.lastProvisional && status === 100) return this.dialog;
      this.lastProvisional = status;
    } else {
      this.finalStatus = status;
    }
    const d = this.sink.reply(this, this.createResponse(status, opts));
    if (d) this.dialog = d;
    return this.dialog;
  }

  /** Registers a callback for a CANCEL of this INVITE (the stack has already answered 487). */
  onCancel(fn: () => void): void {
    if (this.cancelled) fn();
    else this.cancelListeners.push(fn);
  }

  /** Called by the stack when a CANCEL matched (§9.2). */
  markCancelled(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const fn of this.cancelListeners) {
      try {
        fn();
      } catch {
        /* a listener's failure must not break the CANCEL */
      }
    }
  }
}
