/**
 * One inbound call: the caller leg (answered by the edge with rtpengine's park SDP), the media
 * session, and the steps the call goes through (IVR flow, queue, agent, outside number) until it
 * ends, then the CDR. Agent and outside legs are connected by `PeerConnector`; in-dialog requests
 * arrive through `in-dialog.ts`. States move only along TRANSITIONS.
 */
import { AbandonStage, Channel, Disposition, EndedBy, QueueEntry } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import type { IvrOutcome } from '../ivr/index.ts';
import { MediaSession } from '../media/index.ts';
import type { Dialog, ServerRequest } from '../sip/index.ts';
import { CdrBuilder, type LegRecord } from './cdr.ts';
import { DigitBuffer } from './digits.ts';
import { CallStateError } from './errors.ts';
import type { CallRef } from './events.ts';
import { CallIvrPort } from './ivr-port.ts';
import { PeerConnector } from './peer.ts';
import { shouldRecord } from './policy.ts';
import { answerHeaders, SessionTimer, type TimerTerms } from './session-timer.ts';
import type { CallServices, CallSetup, PeerLeg, Step } from './types.ts';

/** Why the edge itself tore a call down whose other side was gone (the CDR step of the same name). */
export type HungReason = 'ack-timeout' | 'media-timeout' | 'session-expired';

export type CallState = 'answering' | 'ivr' | 'queued' | 'ringing' | 'connected' | 'ended';

const TRANSITIONS: Record<CallState, readonly CallState[]> = {
  answering: ['ivr', 'queued', 'ringing', 'ended'],
  ivr: ['ivr', 'queued', 'ringing', 'ended'],
  queued: ['connected', 'ivr', 'queued', 'ringing', 'ended'],
  ringing: ['connected', 'queued', 'ended'],
  connected: ['queued', 'ringing', 'ivr', 'ended'],
  ended: [],
};

const end = (disposition: Disposition, endedBy: EndedBy): Extract<Step, { kind: 'end' }> => ({
  kind: 'end',
  disposition,
  endedBy,
});

export class CallSession {
  readonly interactionId: string;
  readonly trunkId: string;
  readonly ref: CallRef;
  readonly log: Logger;
  readonly media: MediaSession;
  readonly digits: DigitBuffer;
  readonly cdr: CdrBuilder;
  readonly peers: PeerConnector;
  state: CallState = 'answering';
  callerDialog: Dialog | undefined;
  /** Aborted when the caller hangs up (or the call ends): stops IVR, queue and ringing. */
  private readonly callerGone = new AbortController();
  private readonly ivrPort: CallIvrPort;
  private readonly callerLeg: LegRecord;
  private conversation: ((next: Step) => void) | undefined;
  private stopDtmf: (() => void) | undefined;
  private endedBy: EndedBy | undefined;
  /** Set when the edge ended a hung call (disconnect()): the CDR says system disconnect. */
  private hung: HungReason | undefined;
  private finished: Promise<void> | undefined;
  /** RFC 4028 session timer of the caller leg, when one was negotiated. */
  sessionTimer: SessionTimer | undefined;
  /** Settles when the recording of the call is archived (recorded calls only). */
  archived: Promise<void> | undefined;

  constructor(
    readonly svc: CallServices,
    readonly setup: CallSetup,
    readonly callerTag: string,
    readonly sipCallId: string,
  ) {
    this.interactionId = setup.interactionId;
    this.trunkId = setup.trunkId;
    this.log = setup.log;
    this.ref = {
      interactionId: this.interactionId,
      channel: Channel.VOICE,
      configVersion: setup.bundle.version,
    };
    const record = shouldRecord(setup.bundle, setup.first);
    const pin = svc.media.acquire(this.interactionId);
    this.media = new MediaSession({
      client: pin.client,
      callId: this.interactionId,
      callerTag,
      record,
      logger: this.log,
      clock: svc.clock,
      onEnded: () => svc.media.release(this.interactionId),
      ...(svc.prompts ? { prompts: svc.prompts } : {}),
    });
    this.digits = new DigitBuffer(svc.clock);
    this.cdr = new CdrBuilder(svc.clock, this.ref, {
      direction: 'inbound',
      trunkId: setup.trunkId,
      didId: setup.didId,
      callerNumber: setup.callerNumber,
      calledNumber: setup.calledNumber,
      sipCallId,
    });
    this.cdr.recorded = record;
    this.callerLeg = this.cdr.leg({ role: 'caller', agentId: '', target: '', sipCallId });
    this.ivrPort = new CallIvrPort({
      interactionId: this.interactionId,
      channel: Channel.VOICE,
      media: this.media,
      digits: this.digits,
      clock: svc.clock,
      promptsDir: svc.promptsDir,
      log: this.log,
      ...(svc.recordings?.startVoicemail ? { voicemail: (o) => this.startVoicemail(o) } : {}),
    });
    this.peers = new PeerConnector(this);
  }

  private startVoicemail(o: { mailboxId: string; maxSeconds: number }) {
    const sink = this.svc.recordings!;
    this.cdr.step('voicemail', { mailbox: o.mailboxId });
    return sink.startVoicemail!({
      ...o,
      interactionId: this.interactionId,
      startedAt: this.cdr.startedAt,
      log: this.log,
    });
  }

  get signal(): AbortSignal {
    return this.callerGone.signal;
  }

  get bundle() {
    return this.setup.bundle;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  to(next: CallState): void {
    if (this.state === next && next !== 'ivr' && next !== 'queued') return;
    if (!TRANSITIONS[this.state].includes(next))
      throw new CallStateError(`call ${this.interactionId}: ${this.state} -> ${next}`);
    this.state = next;
  }

  /** Answers the caller: first offer and park in rtpengine, 200 OK with rtpengine's SDP. */
  async answer(req: ServerRequest, carrierSdp: string, timer?: TimerTerms): Promise<boolean> {
    req.onCancel(() => this.callerHungUp());
    try {
      await this.media.offerFromCaller(carrierSdp);
      const sdp = await this.media.park();
      if (req.cancelled || this.callerGone.signal.aborted) return false;
      const dialog = req.reply(200, {
        body: sdp,
        contentType: 'application/sdp',
        ...(timer ? { headers: answerHeaders(timer) } : {}),
      });
      if (!dialog) return false;
      if (timer)
        this.sessionTimer = new SessionTimer(timer, {
          dialog,
          clock: this.svc.clock,
          sdp: () => this.media.callerSdp,
          minSeS: this.svc.minSessionExpiresS ?? 90,
          onExpired: () => this.disconnect('session-expired'),
        });
      this.callerDialog = dialog;
      // §13.3.1.4: the dialog BYEs an unacknowledged 2xx; the whole call (legs, queue, media) ends with it.
      dialog.onAckTimeout(() => this.disconnect('ack-timeout'));
      this.cdr.legAnswered(this.callerLeg, 200);
      if (this.svc.dtmf) {
        this.stopDtmf = this.svc.dtmf.onCall(this.interactionId, (e) => {
          if (e.sourceTag === this.callerTag) this.digits.push(e.digit);
        });
      }
      return true;
    } catch (err) {
      this.log.error({ err: String(err) }, 'caller media setup failed');
      if (!req.answered) req.reply(503);
      return false;
    }
  }

  /** Runs the call from its first step to the end (never throws). */
  async run(first: Step): Promise<void> {
    let step = first;
    try {
      const rec = this.bundle.recording;
      if (this.cdr.recorded && rec?.announcePromptId) await this.announce(rec.announcePromptId);
      for (;;) {
        if (this.callerGone.signal.aborted && step.kind !== 'end')
          step = end(this.cdr.isAnswered ? Disposition.ANSWERED : Disposition.ABANDONED, EndedBy.CALLER);
        if (step.kind === 'end') break;
        step = await this.exec(step);
      }
    } catch (err) {
      this.log.error({ err, step: step.kind }, 'call failed');
      step = end(Disposition.FAILED, EndedBy.SYSTEM);
    }
    const last: Step = step;
    await this.finish(last.kind === 'end' ? last : end(Disposition.FAILED, EndedBy.SYSTEM));
  }

  private async announce(promptId: string): Promise<void> {
    const p = this.bundle.prompts.find((x) => x.id === promptId)?.variants[0];
    if (!p) return;
    await this.ivrPort
      .play({ promptId, path: p.path, language: p.language }, { signal: this.signal, bargeIn: false })
      .catch(() => undefined);
  }

  private exec(step: Exclude<Step, { kind: 'end' }>): Promise<Step> {
    switch (step.kind) {
      case 'flow':
        return this.runFlow(step.flowId, step.nodeId);
      case 'queue':
        return this.peers.runQueue(step);
      case 'agent':
        return this.peers.runDirectAgent(step.agentId);
      case 'external':
        return this.peers.runExternal(step.number, step.trunkId, step.agentId);
    }
  }

  private async runFlow(flowId: string, nodeId: string | undefined): Promise<Step> {
    this.to('ivr');
    this.cdr.ivrStarted();
    this.cdr.step('ivr', { flow: flowId, ...(nodeId ? { node: nodeId } : {}) });
    let outcome: IvrOutcome;
    try {
      outcome = await this.svc.ivr.run({
        bundle: this.bundle,
        flowId,
        ...(nodeId ? { startNodeId: nodeId } : {}),
        call: this.ivrPort,
        caller: { number: this.setup.callerNumber },
        signal: this.signal,
        log: this.log,
      });
    } finally {
      this.cdr.ivrEnded();
    }
    return this.afterFlow(outcome);
  }

  private afterFlow(o: IvrOutcome): Step {
    this.cdr.step('ivr-outcome', { outcome: o.kind });
    switch (o.kind) {
      case 'enqueue':
        return { kind: 'queue', queueId: o.queueId, priority: o.priority, entry: QueueEntry.FLOW };
      case 'transfer': {
        const t = o.target;
        if (t.kind === 'agent') return { kind: 'agent', agentId: t.agentId };
        if (t.kind === 'queue')
          return { kind: 'queue', queueId: t.queueId, priority: t.priority, entry: QueueEntry.FLOW };
        return { kind: 'external', number: t.number, trunkId: t.trunkId };
      }
      case 'voicemail':
        return end(Disposition.VOICEMAIL, this.signal.aborted ? EndedBy.CALLER : EndedBy.SYSTEM);
      case 'hangup':
        return end(Disposition.SELF_SERVICE, EndedBy.SYSTEM);
      case 'abandoned':
        this.svc.observer.emit('abandoned', {
          ...this.ref,
          stage: AbandonStage.IVR,
          waitMs: this.svc.clock.now() - this.cdr.startedAt,
          flowId: o.flowId,
          nodeId: o.nodeId,
        });
        return end(Disposition.ABANDONED, EndedBy.CALLER);
    }
  }

  /** Plays a prompt by id to the caller (overflow to a mailbox greeting, music). */
  playPromptId(promptId: string, bargeIn = false): Promise<void> {
    const v = this.bundle.prompts.find((p) => p.id === promptId)?.variants[0];
    if (!v) return Promise.resolve();
    return this.ivrPort.play(
      { promptId, path: v.path, language: v.language },
      { signal: this.signal, bargeIn },
    );
  }

  get ivr(): CallIvrPort {
    return this.ivrPort;
  }

  /** Waits until the connected conversation ends (hang-up) or is transferred; resolves with what follows. */
  converse(): Promise<Step> {
    if (this.callerGone.signal.aborted) return Promise.resolve(end(Disposition.ANSWERED, EndedBy.CALLER));
    return new Promise<Step>((resolve) => {
      this.conversation = (next) => {
        this.conversation = undefined;
        resolve(next);
      };
    });
  }

  /** Ends the current conversation with `next` (agent BYE, transfer). */
  leaveConversation(next: Step): boolean {
    const c = this.conversation;
    if (!c) return false;
    c(next);
    return true;
  }

  /** BYE or CANCEL from the caller. */
  callerHungUp(): void {
    if (this.callerGone.signal.aborted) return;
    this.endedBy ??= EndedBy.CALLER;
    this.callerGone.abort(new DOMException('caller hung up', 'AbortError'));
    this.svc.acd.abandon(this.interactionId);
    this.leaveConversation(end(Disposition.ANSWERED, EndedBy.CALLER));
  }

  /**
   * The caller's side is gone without a BYE (2xx never ACKed, no RTP, session timer expired): ends the call
   * as a system disconnect, whatever step it is in. Queue entry, agent legs and media go in finish().
   */
  disconnect(reason: HungReason): void {
    if (this.ended || this.callerGone.signal.aborted) return;
    this.hung = reason;
    this.endedBy = EndedBy.SYSTEM;
    this.cdr.step(reason);
    this.log.warn({ reason }, 'hung call ended by the edge');
    this.callerGone.abort(new DOMException(reason, 'AbortError'));
    this.svc.acd.abandon(this.interactionId);
    this.leaveConversation(end(Disposition.SYSTEM_DISCONNECTED, EndedBy.SYSTEM));
  }

  /** BYE from a connected peer. */
  peerHungUp(leg: PeerLeg): void {
    if (this.peers.current !== leg) return;
    const disposition = leg.role === 'external' ? Disposition.TRANSFERRED_EXTERNAL : Disposition.ANSWERED;
    this.leaveConversation(end(disposition, leg.role === 'agent' ? EndedBy.AGENT : EndedBy.CALLER));
  }

  private finish(step: Extract<Step, { kind: 'end' }>): Promise<void> {
    this.finished ??= this.doFinish(step);
    return this.finished;
  }

  private async doFinish(step: Extract<Step, { kind: 'end' }>): Promise<void> {
    if (this.hung) step = end(Disposition.SYSTEM_DISCONNECTED, EndedBy.SYSTEM);
    const endedBy = this.hung
      ? EndedBy.SYSTEM
      : this.endedBy === EndedBy.CALLER
        ? EndedBy.CALLER
        : step.endedBy;
    this.state = 'ended';
    this.sessionTimer?.stop();
    if (!this.callerGone.signal.aborted) this.callerGone.abort(new DOMException('call ended', 'AbortError'));
    this.stopDtmf?.();
    await this.peers.hangupAll();
    const bye = this.callerDialog;
    if (bye && bye.state !== 'terminated') await bye.bye().catch(() => undefined);
    this.cdr.legEnded(this.callerLeg, 'answered');
    await this.media.end().catch((err: unknown) => this.log.warn({ err: String(err) }, 'media end failed'));
    this.cdr.recorded = this.cdr.recorded && this.cdr.isAnswered;
    const rows = this.cdr.finish(step.disposition, endedBy);
    this.svc.observer.emit('ended', rows.ended);
    try {
      await this.svc.store.writeCdr(rows);
    } catch (err) {
      this.log.error({ err: (err as Error).name }, 'cdr not written');
    }
    this.log.info(
      {
        disposition: Disposition[step.disposition],
        ended_by: EndedBy[endedBy],
        total_ms: rows.ended.totalMs,
      },
      'call ended',
    );
    if (this.cdr.recorded && this.svc.recordings)
      this.archived = this.svc.recordings
        .archive({ interactionId: this.interactionId, startedAt: this.cdr.startedAt, log: this.log })
        .catch((err: unknown) => this.log.error({ err: String(err) }, 'recording not archived'));
  }
}
