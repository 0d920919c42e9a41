// The UAC side of one request: provisional callbacks, the final response as a promise, CANCEL (§9.1).
import type { Dialog } from './dialog/dialog.ts';
import { Headers } from './message/headers.ts';
import { SipRequest, type SipResponse } from './message/message.ts';

export class OutgoingRequest {
  readonly final: Promise<SipResponse>;
  /** The dialog a 2xx to an INVITE created or confirmed. */
  dialog: Dialog | undefined;
  private resolveFinal!: (r: SipResponse) => void;
  private readonly provisionalListeners: Array<(r: SipResponse) => void> = [];
  private gotProvisional = false;
  private finalResponse: SipResponse | undefined;
  private cancelWanted = false;
  private cancelSent = false;

  constructor(
    readonly request: SipRequest,
    /** Sends a CANCEL for this request in its own transaction, to the same destination. */
    private readonly sendCancel: (cancel: SipRequest) => void,
  ) {
    this.final = new Promise((resolve) => {
      this.resolveFinal = resolve;
    });
  }

  onProvisional(fn: (r: SipResponse) => void): this {
    this.provisionalListeners.push(fn);
    return this;
  }

  get finished(): boolean {
    return this.finalResponse !== undefined;
  }

  /** Called by the stack for each response the client transaction passes up. */
  handle(res: SipResponse): void {
    if (res.status < 200) {
      if (this.finalResponse) return;
      this.gotProvisional = true;
      for (const fn of this.provisionalListeners) fn(res);
      // §9.1: a CANCEL waits for a provisional response.
      if (this.cancelWanted) this.doCancel();
      return;
    }
    if (this.finalResponse) return;
    this.finalResponse = res;
    this.resolveFinal(res);
  }

  /** Cancels a pending INVITE (§9.1); no effect once a final response arrived. */
  cancel(reason?: string): void {
    if (this.request.method !== 'INVITE' || this.finalResponse || this.cancelSent) return;
    this.cancelWanted = true;
    this.cancelReason = reason;
    if (this.gotProvisional) this.doCancel();
  }

  private cancelReason: string | undefined;

  private doCancel(): void {
    if (this.cancelSent) return;
    this.cancelSent = true;
    this.sendCancel(buildCancel(this.request, this.cancelReason));
  }
}

/** §9.1: CANCEL with the INVITE's Request-URI, Call-ID, To, From, CSeq number, top Via and Route set. */
export function buildCancel(invite: SipRequest, reason?: string): SipRequest {
  const h = new Headers();
  const via = invite.headers.fields.find((f) => f.key === 'via');
  if (via) h.append('Via', via.value);
  for (const r of invite.headers.getAll('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', invite.headers.get('to') ?? '');
  h.append('Call-ID', invite.callId);
  h.append('CSeq', `${invite.cseq.seq} CANCEL`);
  if (reason) h.append('Reason', reason);
  return new SipRequest('CANCEL', invite.uriString, h);
}
