/**
 * The far side of a call session: queueing with music on hold, ringing agents (for the ACD, or
 * directly), calling out through a trunk, and the connected leg's hold/resume. Every connection
 * follows the media model: connectBranch -> INVITE -> 200 -> claim -> answerBranch -> ACK.
 */
import { AgentStateCause, Channel, Disposition, EndedBy, QueueEntry, type Trunk } from '@hcc/proto';
import type { OfferRequest, OfferResult } from '../queue/index.ts';
import type { DigestClient, ServerRequest } from '../sip/index.ts';
import { attendedTransfer } from './attended.ts';
import { answererSdp } from './browser-device.ts';
import type { LegRole } from './cdr.ts';
import { deviceTargets } from './contacts.ts';
import { type DialFailure, type DialResult, type DialTarget, dial } from './dialer.ts';
import { directCallEvents, directNoAnswerReason } from './direct-events.ts';
import { alertInfo, callerIdentity, compose, interactionHeader } from './headers.ts';
import { answerFor, isHold, offerDirection, withDirection } from './sdp-direction.ts';
import type { CallSession } from './session.ts';
import { trunkDigest } from './trunk-auth.ts';
import { trunkTarget } from './trunk-route.ts';
import { chooseTrunks, trunkFailed } from './trunks/index.ts';
import type { PeerLeg, Step } from './types.ts';

/** How long a queued caller waits before music on hold starts (CallServices.queueMusicDelayMs). */
export const QUEUE_MUSIC_DELAY_MS = 1000;

const end = (disposition: Disposition, endedBy: EndedBy): Extract<Step, { kind: 'end' }> => ({
  kind: 'end',
  disposition,
  endedBy,
});

interface ConnectOptions {
  targets: DialTarget[];
  role: Exclude<LegRole, 'caller'>;
  agentId: string;
  signal: AbortSignal;
  viaAcd: boolean;
  queueId?: string;
  onRinging?: () => void;
  claim: () => boolean;
  digest?: DigestClient;
}

export class PeerConnector {
  current: PeerLeg | undefined;
  private branch: Promise<{ branchTag: string; sdp: string }> | undefined;
  private held = false;
  /** Settles once a claimed leg is connected (true) or failed to connect (false). */
  private connecting: Promise<boolean> | undefined;
  private mohPromptId = '';
  /** Status of the last failed dial (408 for no answer, 503 for a full trunk): failover decides on it. */
  private lastFailure = 0;

  constructor(private readonly s: CallSession) {
    this.mohPromptId = s.bundle.prompts.find((p) => p.id === 'moh')?.id ?? '';
  }

  /** Waits in a queue (music on hold) until an agent answers, the queue overflows or the caller leaves. */
  async runQueue(step: Extract<Step, { kind: 'queue' }>): Promise<Step> {
    const { s } = this;
    const q = s.bundle.queues.find((x) => x.id === step.queueId);
    if (!q) return end(Disposition.FAILED, EndedBy.SYSTEM);
    s.to('queued');
    s.cdr.queued(q.id);
    s.cdr.slThresholdMs = q.serviceLevelSeconds * 1000;
    s.cdr.wrapMs = q.wrapUpSeconds * 1000;
    s.cdr.step('queued', { queue: q.id, entry: QueueEntry[step.entry] });
    if (q.musicOnHoldPromptId) this.mohPromptId = q.musicOnHoldPromptId;
    // Music starts once the caller has waited a moment: a caller an agent takes at once (auto-answer desks,
    // quiet hours) hears none, and rtpengine is spared a player (a packet every 20 ms) per call. Music is
    // comfort, not a condition of being served: an overloaded rtpengine must not fail the call.
    // An agent's claim resolves the queue exit synchronously, so the timer is cleared before it could
    // fire over a connected call; music started while an agent rings is queued ahead of its answer.
    const musicTimer = s.svc.clock.setTimeout(() => {
      if (this.current || s.ended || s.signal.aborted) return;
      this.music().catch((err: unknown) => s.log.warn({ err: String(err) }, 'music on hold failed'));
    }, s.svc.queueMusicDelayMs ?? QUEUE_MUSIC_DELAY_MS);
    const exited = s.svc.acd.enqueue({
      interactionId: s.interactionId,
      channel: Channel.VOICE,
      bundle: s.bundle,
      queueId: q.id,
      ...(step.priority !== undefined ? { priority: step.priority } : {}),
      entry: step.entry,
      log: s.log,
    });
    // A caller who left before the ACD knew the call abandons at once: counted as queued and abandoned
    // like any other, and never left in the queue, where every offer would be refused at once and
    // re-offered to the next free agent forever (a livelock seen under load).
    if (s.signal.aborted) s.svc.acd.abandon(s.interactionId);
    let exit: Awaited<typeof exited>;
    try {
      exit = await exited;
    } finally {
      s.svc.clock.clearTimeout(musicTimer);
    }
    s.cdr.dequeued();
    if (exit.kind !== 'overflow') s.cdr.queueId = exit.queueId;
    if (exit.kind === 'abandoned') return end(Disposition.ABANDONED, EndedBy.CALLER);
    if (exit.kind === 'overflow') {
      const t = exit.target;
      s.cdr.step('overflow', { queue: exit.fromQueueId, target: t.kind });
      if (t.kind === 'flowNode') return { kind: 'flow', flowId: t.flowId, nodeId: t.nodeId };
      if (t.kind === 'mailbox') return this.voicemail(t.mailboxId);
      return end(Disposition.SYSTEM_DISCONNECTED, EndedBy.SYSTEM);
    }
    const ok = await (this.connecting ?? Promise.resolve(false));
    if (!ok || !this.current) {
      // Claimed but never connected (the agent's media failed): the agent is not left on this call.
      s.svc.acd.complete(s.interactionId);
      return end(Disposition.FAILED, EndedBy.SYSTEM);
    }
    const next = await s.converse();
    this.endAllWork();
    return next;
  }

  private async voicemail(mailboxId: string): Promise<Step> {
    const mb = this.s.bundle.mailboxes.find((m) => m.id === mailboxId);
    if (mb?.greetingPromptId) await this.s.playPromptId(mb.greetingPromptId).catch(() => undefined);
    await this.s.ivr.recordVoicemail({ mailboxId, maxSeconds: 120, signal: this.s.signal });
    return end(Disposition.VOICEMAIL, this.s.signal.aborted ? EndedBy.CALLER : EndedBy.SYSTEM);
  }

  /** Loops the current music on hold to the caller. */
  private async music(): Promise<void> {
    const v = this.s.bundle.prompts.find((p) => p.id === this.mohPromptId)?.variants[0];
    if (!v) return;
    await this.s.media.playPrompt(this.s.ivr.promptPath({ promptId: this.mohPromptId, ...v }), {
      repeat: 999,
    });
  }

  /** AgentOfferPort for this call: rings the agent's devices. */
  async offer(req: OfferRequest): Promise<OfferResult> {
    const { s } = this;
    if (s.ended || s.signal.aborted) return 'gone';
    const targets = await deviceTargets(req.devices, s.svc.bindings, s.bundle.trunks, req.agent.id);
    if (targets.length === 0) return 'unreachable';
    const r = await this.connect({
      targets,
      role: 'agent',
      agentId: req.agent.id,
      signal: req.signal,
      viaAcd: true,
      queueId: req.interaction.queueId,
      onRinging: () => req.ringing(),
      claim: () => req.claim(),
    });
    if (r === 'cancelled' && (s.ended || s.signal.aborted)) return 'gone';
    return r === 'rejected' ? 'busy' : r;
  }

  /** Rings one agent without a queue (DID or transfer to an agent). */
  async runDirectAgent(agentId: string): Promise<Step> {
    const { s } = this;
    const { agents, clock } = s.svc;
    const cfg = s.bundle.agents.find((a) => a.id === agentId);
    const a = agents.find(agentId);
    if (!cfg || !a?.isAvailable(Channel.VOICE)) {
      s.cdr.step('agent-unavailable', { agent: agentId });
      return end(Disposition.SYSTEM_DISCONNECTED, EndedBy.SYSTEM);
    }
    const id = s.interactionId;
    agents.reserve(agentId, {
      interactionId: id,
      channel: Channel.VOICE,
      queueId: '',
      configVersion: s.ref.configVersion,
    });
    s.to('ringing');
    const ac = new AbortController();
    const timer = clock.setTimeout(
      () => ac.abort(new DOMException('ring timeout', 'AbortError')),
      s.svc.directRingMs ?? 20_000,
    );
    const targets = await deviceTargets(cfg.devices, s.svc.bindings, s.bundle.trunks, agentId);
    const ev = directCallEvents(s.svc, { interactionId: id, configVersion: s.ref.configVersion, agentId });
    const r = await this.connect({
      targets,
      role: 'agent',
      agentId,
      signal: ac.signal,
      viaAcd: false,
      onRinging: () => {
        agents.ringing(agentId, id);
        ev.ringing();
      },
      claim: () => {
        agents.answered(agentId, id);
        ev.answered();
        return true;
      },
    });
    clock.clearTimeout(timer);
    if (r !== 'answered') {
      // Missed (rang out, no answer, device unreachable): not ready, as on a queue's offer.
      const missed = !s.signal.aborted && (r === 'unreachable' || r === 'no-answer' || ac.signal.aborted);
      const reason = missed ? directNoAnswerReason(s.bundle, agentId) : undefined;
      const cause =
        r === 'unreachable'
          ? AgentStateCause.DEVICE
          : ac.signal.aborted || r === 'no-answer'
            ? AgentStateCause.RING_NO_ANSWER
            : AgentStateCause.ROUTING;
      if (missed) s.cdr.step('agent-missed', { agent: agentId, result: r, not_ready: reason ?? '' });
      agents.release(agentId, id, { cause, ...(reason ? { notReadyReasonId: reason } : {}) });
      return end(
        s.signal.aborted ? Disposition.ABANDONED : Disposition.SYSTEM_DISCONNECTED,
        s.signal.aborted ? EndedBy.CALLER : EndedBy.SYSTEM,
      );
    }
    const next = await s.converse();
    this.endAllWork();
    return next;
  }

  /**
   * Calls an outside number through the site's trunks in order (trunks/choose.ts: the named trunk
   * first, down trunks skipped): a trunk that times out, answers 408 or 5xx, or has no free channel
   * is followed by the next (sequential failover); any other answer is the called party's and stands.
   */
  async runExternal(number: string, trunkId: string, agentId = ''): Promise<Step> {
    const { s } = this;
    if (!admitDial(s, number, trunkId, agentId)) return end(Disposition.FAILED, EndedBy.SYSTEM);
    const { trunks, skipped } = chooseTrunks(s.bundle, s.svc.trunkHealth, trunkId);
    for (const t of skipped) s.cdr.step('trunk-down-skip', { trunk: t.id });
    if (trunks.length === 0) return end(Disposition.FAILED, EndedBy.SYSTEM);
    s.to('ringing');
    let r: 'answered' | DialFailure = 'unreachable';
    for (const trunk of trunks) {
      r = await this.dialTrunk(number, trunk);
      if (r === 'answered' || s.signal.aborted || !trunkFailed(this.lastFailure)) break;
      s.cdr.step('trunk-failed', { trunk: trunk.id, status: this.lastFailure });
    }
    if (r !== 'answered')
      return end(
        s.signal.aborted ? Disposition.ABANDONED : Disposition.FAILED,
        s.signal.aborted ? EndedBy.CALLER : EndedBy.SYSTEM,
      );
    const next = await s.converse();
    s.cdr.disconnected();
    return next;
  }

  /** One INVITE to the number through one trunk (digest auth when the trunk has credentials). */
  private async dialTrunk(number: string, trunk: Trunk): Promise<'answered' | DialFailure> {
    // Set by connect() when the dial fails; 0 (no trunk failure) when it ends any other way.
    this.lastFailure = 0;
    const digest = await trunkDigest(trunk, this.s.svc.secrets);
    return this.connect({
      targets: [{ ...trunkTarget(number, trunk), trunk }],
      role: 'external',
      agentId: '',
      signal: this.s.signal,
      viaAcd: false,
      claim: () => true,
      ...(digest ? { digest } : {}),
    });
  }

  private branchSdp(webrtc = false, srtp = false): Promise<{ branchTag: string; sdp: string }> {
    this.branch ??= this.s.media.connectBranch({ webrtc, srtp });
    const b = this.branch;
    b.catch(() => {
      if (this.branch === b) this.branch = undefined;
    });
    return b;
  }

  private async connect(o: ConnectOptions): Promise<'answered' | DialFailure> {
    const { s } = this;
    const { svc } = s;
    // A target reached through a trunk holds one of its channels (the limit counts both directions)
    // while it rings and, once answered, until its dialog ends; one whose trunk is full is not rung.
    const channels = new Map<DialTarget, () => void>();
    const targets = o.targets.filter((t) => {
      if (!t.trunk) return true;
      const release = svc.registry.takeTrunk(t.trunk.id, t.trunk.maxConcurrentCalls);
      if (release) channels.set(t, release);
      else s.cdr.step('trunk-full', { trunk: t.trunk.id });
      return release !== undefined;
    });
    if (targets.length === 0) {
      this.lastFailure = 503;
      return 'busy';
    }
    const webrtc = targets.some((t) => t.webrtc);
    const srtp = targets.some((t) => t.srtp);
    let r: DialResult;
    let branch: { branchTag: string; sdp: string };
    const started = svc.clock.now();
    try {
      branch = await this.branchSdp(webrtc, srtp);
      r = await dial(svc.stack, {
        targets,
        fromUser: s.setup.callerNumber ?? 'anonymous',
        fromHost: svc.sipHost,
        sdp: branch.sdp,
        signal: AbortSignal.any([o.signal, s.signal]),
        rules: compose(
          interactionHeader(s.interactionId),
          callerIdentity({ number: s.setup.callerNumber, host: svc.sipHost }),
          alertInfo(o.queueId ?? ''),
        ),
        ...(o.digest ? { digest: o.digest } : {}),
        ...(o.onRinging ? { onRinging: o.onRinging } : {}),
      });
    } catch (err) {
      for (const release of channels.values()) release();
      throw err;
    }
    for (const [t, release] of channels) {
      if (r.kind === 'answered' && r.target === t) r.dialog.onTerminated(release);
      else release();
    }
    const records = r.attempts.map((a) => {
      const rec = s.cdr.leg({ role: o.role, agentId: o.agentId, target: a.target.uri, sipCallId: a.callId });
      rec.startedAt = started;
      return { a, rec };
    });
    for (const { a, rec } of records)
      if (r.kind === 'failed' || a !== r.attempts.find((x) => x.target === r.target))
        s.cdr.legEnded(
          rec,
          a.status
            ? a.status < 300
              ? 'cancelled'
              : r.kind === 'failed'
                ? r.result
                : 'cancelled'
            : 'cancelled',
          a.status,
        );
    if (r.kind === 'failed') {
      this.lastFailure = r.status;
      s.cdr.step('offer-failed', { agent: o.agentId, result: r.result, status: r.status });
      return r.result;
    }
    const rec = records.find((x) => x.a.target === r.target)!.rec;
    const leg: PeerLeg = {
      role: o.role,
      agentId: o.agentId,
      dialog: r.dialog,
      record: rec,
      localSdp: webrtc ? answererSdp(branch.sdp) : branch.sdp,
      sdpVersion: 1,
      viaAcd: o.viaAcd,
    };
    s.svc.registry.bind(r.dialog, s, leg);
    if (s.signal.aborted || !o.claim()) {
      r.ack();
      void r.dialog.bye().catch(() => undefined);
      s.cdr.legEnded(rec, 'cancelled', r.response.status);
      return 'cancelled';
    }
    this.connecting = this.complete(r, leg, o);
    return (await this.connecting) ? 'answered' : 'unreachable';
  }

  /** After the claim: connect the media, ACK, and make the leg the connected one. */
  private async complete(
    r: Extract<DialResult, { kind: 'answered' }>,
    leg: PeerLeg,
    o: ConnectOptions,
  ): Promise<boolean> {
    const { s } = this;
    s.cdr.legAnswered(leg.record, r.response.status);
    try {
      await s.media.answerBranch(r.response.body.toString('utf8'));
    } catch (err) {
      s.log.error({ err: String(err) }, 'agent media failed');
      r.ack();
      void r.dialog.bye().catch(() => undefined);
      return false;
    } finally {
      this.branch = undefined;
    }
    r.ack();
    if (s.ended) {
      void r.dialog.bye().catch(() => undefined);
      return false;
    }
    this.current = leg;
    this.engaged.push(leg);
    s.to('connected');
    s.cdr.connected(o.agentId);
    s.cdr.step('connected', { role: o.role, agent: o.agentId });
    return true;
  }

  /** Attended transfer: `to` replaces `from` as the connected leg (the caller keeps talking). */
  handOver(from: PeerLeg, to: PeerLeg): void {
    this.resumeBookkeeping(from);
    this.current = to;
    this.engaged.push(to);
    this.endWork(from);
    // An outside party taking over keeps the CDR's agent (the one who transferred).
    if (to.role === 'agent') this.s.cdr.agentId = to.agentId;
    this.s.to('connected');
  }

  /** Agent legs connected during the current conversation (a transfer adds one). */
  readonly engaged: PeerLeg[] = [];

  /** Ends the work of every agent engaged in the conversation that just ended. */
  endAllWork(): void {
    for (const l of this.engaged.splice(0)) this.endWork(l);
  }

  /** Ends the agent's work on this call (ACD wrap-up, or free at once for a direct call). */
  endWork(leg: PeerLeg): void {
    if (leg.role !== 'agent' || leg.workEnded) return;
    leg.workEnded = true;
    const { s } = this;
    if (leg.viaAcd) s.svc.acd.complete(s.interactionId);
    else s.svc.agents.endInteraction(leg.agentId, s.interactionId, 0);
  }

  /** Re-parks the caller (music on hold) and hangs up the connected leg, for a transfer. */
  async detach(): Promise<PeerLeg | undefined> {
    const leg = this.current;
    if (!leg) return undefined;
    this.current = undefined;
    this.resumeBookkeeping(leg);
    this.s.cdr.disconnected();
    await this.s.media.park();
    this.branch = undefined;
    s_bye(leg);
    return leg;
  }

  /** Re-INVITE from the connected leg: hold (music to the caller) or resume. */
  async reinvite(leg: PeerLeg, req: ServerRequest): Promise<void> {
    const sdp = req.message.body.toString('utf8');
    const dir = sdp ? offerDirection(sdp) : 'sendrecv';
    const { s } = this;
    if (leg === this.current && isHold(dir) && !this.held) {
      const v = s.bundle.prompts.find((p) => p.id === this.mohPromptId)?.variants[0];
      if (v) {
        await s.media.hold(s.ivr.promptPath({ promptId: this.mohPromptId, ...v }));
        this.held = true;
        s.cdr.held();
        s.cdr.step('held', { agent: leg.agentId });
        s.svc.observer.emit('held', { ...s.ref, agentId: leg.agentId });
      }
    } else if (leg === this.current && !isHold(dir) && this.held) {
      await s.media.resume();
      this.resumeBookkeeping(leg);
    }
    leg.sdpVersion++;
    req.reply(200, {
      body: withDirection(leg.localSdp, answerFor(dir), leg.sdpVersion),
      contentType: 'application/sdp',
    });
  }

  private resumeBookkeeping(leg: PeerLeg): void {
    if (!this.held) return;
    this.held = false;
    const holdMs = this.s.cdr.resumed();
    this.s.cdr.step('resumed', { agent: leg.agentId, hold_ms: holdMs });
    this.s.svc.observer.emit('resumed', { ...this.s.ref, agentId: leg.agentId, holdMs });
  }

  /** Attended transfer (REFER with Replaces): see attended.ts. */
  attendedTransfer(leg: PeerLeg, r: { callId: string; toTag: string; fromTag: string }): Promise<boolean> {
    return attendedTransfer(this.s, leg, r);
  }

  /** BYE to the connected leg at the end of the call. */
  async hangupAll(): Promise<void> {
    const leg = this.current;
    this.current = undefined;
    if (leg) this.resumeBookkeeping(leg);
    if (leg && leg.dialog.state !== 'terminated') await leg.dialog.bye().catch(() => undefined);
  }
}

/**
 * Toll fraud: the site's dial policy and its site cap before a trunk is used (a blind transfer's or an
 * IVR's call out: no agent is on it). A refusal is a CDR step (the reason, never the number); an
 * admitted call out holds its place until the call ends.
 */
function admitDial(s: CallSession, number: string, trunkId: string, agentId: string): boolean {
  const { interactionId, log, bundle } = s;
  const out = s.svc.dial.admit({ bundle, number, trunkId, agentId, agentCap: false, interactionId, log });
  if (!out.ok) {
    s.cdr.step('dial-blocked', { reason: out.reason, agent: agentId, trunk: trunkId });
    return false;
  }
  if (s.signal.aborted) out.release();
  else s.signal.addEventListener('abort', out.release, { once: true });
  return true;
}

function s_bye(leg: PeerLeg): void {
  if (leg.dialog.state !== 'terminated') void leg.dialog.bye().catch(() => undefined);
}
