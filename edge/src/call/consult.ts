/**
 * A consultation call between two agents through the edge (agent A dials agent B's extension while
 * its customer is on hold), anchored in its own rtpengine call. It exists to be joined to the
 * customer by an attended transfer (REFER with Replaces); it writes no CDR of its own.
 */
import type { Agent } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import { MediaSession } from '../media/index.ts';
import type { Dialog, ServerRequest } from '../sip/index.ts';
import { deviceTargets } from './contacts.ts';
import { dial } from './dialer.ts';
import { interactionHeader } from './headers.ts';
import type { CallServices } from './types.ts';

export class ConsultRegistry {
  private readonly byKey = new Map<string, { call: ConsultCall; side: 'a' | 'b' }>();

  bind(d: Dialog, call: ConsultCall, side: 'a' | 'b'): void {
    const key = d.key;
    this.byKey.set(key, { call, side });
    d.onTerminated(() => this.byKey.delete(key));
  }

  unbind(d: Dialog): void {
    this.byKey.delete(d.key);
  }

  byDialog(d: Dialog) {
    return this.byKey.get(d.key);
  }

  byDialogId(callId: string, tagA: string, tagB: string) {
    return (
      this.byKey.get(`${callId}\u0000${tagA}\u0000${tagB}`) ??
      this.byKey.get(`${callId}\u0000${tagB}\u0000${tagA}`)
    );
  }
}

export class ConsultCall {
  aDialog: Dialog | undefined;
  bDialog: Dialog | undefined;
  private ended = false;

  constructor(
    private readonly svc: CallServices,
    readonly fromAgentId: string,
    readonly to: Agent,
    readonly media: MediaSession,
    private readonly log: Logger,
  ) {}

  static async start(
    svc: CallServices,
    req: ServerRequest,
    fromAgentId: string,
    to: Agent,
    id: string,
    log: Logger,
  ): Promise<void> {
    const pin = svc.media.acquire(id);
    const media = new MediaSession({
      client: pin.client,
      callId: id,
      callerTag: req.message.fromTag ?? '',
      logger: log,
      clock: svc.clock,
      onEnded: () => svc.media.release(id),
    });
    const c = new ConsultCall(svc, fromAgentId, to, media, log);
    try {
      await media.offerFromCaller(req.message.body.toString('utf8'));
      const aSdp = await media.park();
      const branch = await media.connectBranch({ webrtc: false });
      const ac = new AbortController();
      req.onCancel(() => ac.abort());
      const r = await dial(svc.stack, {
        targets: await deviceTargets(to.devices, svc.bindings, []),
        fromUser: fromAgentId,
        fromHost: svc.sipHost,
        sdp: branch.sdp,
        signal: ac.signal,
        rules: interactionHeader(id),
        onRinging: () => req.reply(180),
      });
      if (r.kind === 'failed') {
        req.reply(r.result === 'busy' ? 486 : 480);
        await media.end();
        return;
      }
      await media.answerBranch(r.response.body.toString('utf8'));
      r.ack();
      c.bDialog = r.dialog;
      svc.consults.bind(r.dialog, c, 'b');
      const d = req.reply(200, { body: aSdp, contentType: 'application/sdp' });
      if (!d) {
        await c.hangup();
        return;
      }
      c.aDialog = d;
      svc.consults.bind(d, c, 'a');
    } catch (err) {
      log.error({ err: String(err) }, 'consult call failed');
      if (!req.answered) req.reply(503);
      await c.hangup();
    }
  }

  /** One side hung up (or the call was joined): end the rest. */
  async hangup(except?: 'a' | 'b'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const [side, d] of [
      ['a', this.aDialog],
      ['b', this.bDialog],
    ] as const)
      if (d && side !== except && d.state !== 'terminated') await d.bye().catch(() => undefined);
    await this.media.end().catch(() => undefined);
  }

  /** Hands agent B's dialog over to the customer's session: A's side and this media are dropped. */
  async release(): Promise<Dialog | undefined> {
    const b = this.bDialog;
    this.bDialog = undefined;
    this.ended = true;
    if (b) this.svc.consults.unbind(b);
    if (this.aDialog && this.aDialog.state !== 'terminated') void this.aDialog.bye().catch(() => undefined);
    await this.media.end().catch(() => undefined);
    this.log.debug({}, 'consult call joined');
    return b;
  }
}
