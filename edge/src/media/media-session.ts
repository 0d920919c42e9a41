/**
 * One inbound call's media in rtpengine, "IVR first, agent later, no re-INVITE to the carrier": the caller's
 * from-tag stays fixed; the other side is a series of branches (the park sink during IVR, then agents),
 * each a re-offer of the stored carrier SDP with a new via-branch, answered with a new to-tag, after which
 * the previous branch is deleted by to-tag.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, type Logger, Observer, silentLogger, systemClock, type TimerHandle } from '@hcc/shared';
import { CallerSdpChangedError, MediaSessionStateError, NgError, NgTimeoutError } from './errors.ts';
import type { NgClient } from './ng-client.ts';
import type { TransportProtocol } from './ng-types.ts';
import type { PromptFiles } from './prompt-cache.ts';
import { branchAnswer, branchOffer, callerProtocol, firstOffer } from './recipes.ts';
import { buildParkSdp, type CallerCodecs, callerCodecs, sameMedia } from './sdp-lite.ts';

export type MediaClient = Pick<
  NgClient,
  'offer' | 'answer' | 'delete' | 'playMedia' | 'stopMedia' | 'blockMedia' | 'unblockMedia' | 'playDTMF'
>;

export interface MediaSessionOptions {
  client: MediaClient;
  callId: string;
  /** The caller's from-tag (the carrier dialog's From tag). */
  callerTag: string;
  /** `record call: yes` on the first offer. */
  record?: boolean;
  /** `inject DTMF` on every offer and answer (needed for sendDtmf). */
  injectDtmf?: boolean;
  logger?: Logger;
  clock?: Clock;
  newId?: () => string;
  /** Called once after end() (e.g. to release the pool pin). */
  onEnded?: () => void;
  /** Prompt files in the caller's codec (played instead of the original file when available). */
  prompts?: PromptFiles;
}

export interface Branch {
  tag: string;
  viaBranch: string;
  kind: 'park' | 'agent';
  webrtc: boolean;
  /** The far side speaks SDES-SRTP (RTP/SAVP): a trunk that requires SRTP. */
  srtp?: boolean;
  /** The far side's answer (an agent branch): re-used when the carrier re-offers (updateCaller). */
  answerSdp?: string;
}

export interface MediaSessionEvents extends Record<string, unknown> {
  /** The SDP rtpengine produced for the caller changed: the one case that needs a re-INVITE to the carrier. */
  callerSdpChanged: { callId: string; branchTag: string; previous: string; next: string };
  ended: { callId: string };
}

type State = 'new' | 'offered' | 'active' | 'ended';

interface Prompt {
  file: string;
  repeat: number;
  /** Tags whose media is blocked while the prompt plays. */
  blocked: string[];
  timer?: TimerHandle;
}

/** Delays of the background retries of a final delete that timed out. */
const DELETE_RETRY_MS = [2_000, 10_000, 30_000];

export class MediaSession {
  readonly callId: string;
  readonly callerTag: string;
  readonly observer: Observer<MediaSessionEvents>;
  private readonly client: MediaClient;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly opts: MediaSessionOptions;
  private state: State = 'new';
  private carrierSdp = '';
  /** The caller's profile, written in every answer (RTP/AVP, or RTP/SAVP with SDES when it offered SRTP). */
  private callerProtocol: TransportProtocol = 'RTP/AVP';
  private codecs: CallerCodecs | undefined;
  private callerSdpSent: string | undefined;
  private recordingFiles: string[] = [];
  private current: Branch | undefined;
  private pending: Branch | undefined;
  private prompt: Prompt | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: MediaSessionOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.callId = opts.callId;
    this.callerTag = opts.callerTag;
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.newId = opts.newId ?? (() => randomUUID().slice(0, 13));
    this.observer = new Observer(this.log);
  }

  /** The branch the caller is connected to now. */
  get branch(): Readonly<Branch> | undefined {
    return this.current;
  }

  /** The caller's (carrier's) last SDP offer: its direction says whether the caller sends media. */
  get callerOffer(): string {
    return this.carrierSdp;
  }

  /** The SDP sent to the carrier in the 200 OK (from the park answer). */
  get callerSdp(): string | undefined {
    return this.callerSdpSent;
  }

  /** Recording files rtpengine announced on the first offer (with `record`). */
  get recordings(): readonly string[] {
    return this.recordingFiles;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Serialises operations: NG commands of one call never interleave. */
  private run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(() => {
      if (this.state === 'ended') throw new MediaSessionStateError(`${what}: session ended`);
      return fn();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private base() {
    return { callId: this.callId, callerTag: this.callerTag, injectDtmf: this.opts.injectDtmf ?? false };
  }

  /** The caller speaks SDES-SRTP (it offered RTP/SAVP with a=crypto): rtpengine answers it in kind. */
  get callerSrtp(): boolean {
    return this.callerProtocol !== 'RTP/AVP';
  }

  /** The first offer with the carrier's SDP. Returns rtpengine's SDP for the branch side (unused by park). */
  offerFromCaller(carrierSdp: string): Promise<string> {
    return this.run('offerFromCaller', async () => {
      if (this.state !== 'new') throw new MediaSessionStateError(`offerFromCaller in state ${this.state}`);
      this.codecs = callerCodecs(carrierSdp);
      this.carrierSdp = carrierSdp;
      this.callerProtocol = callerProtocol(carrierSdp);
      const viaBranch = this.newId();
      const r = await this.client.offer(
        firstOffer({ ...this.base(), viaBranch, carrierSdp, record: this.opts.record ?? false }),
      );
      this.pending = { tag: '', viaBranch, kind: 'park', webrtc: false };
      this.recordingFiles = r.recordings;
      this.state = 'offered';
      this.log.debug({ call_id: this.callId, viaBranch }, 'caller offered');
      return r.sdp;
    });
  }

  /**
   * Connects the caller to the park sink (IVR, queue). On a new call this answers the first offer and returns
   * the SDP for the carrier's 200 OK; on a connected call it re-offers, answers with park and deletes the
   * agent branch.
   */
  park(): Promise<string> {
    return this.run('park', async () => {
      const codecs = this.codecs;
      if (!codecs || this.state === 'new') throw new MediaSessionStateError('park before offerFromCaller');
      if (this.state === 'active') {
        const viaBranch = this.newId();
        await this.client.offer(
          branchOffer({
            ...this.base(),
            viaBranch,
            carrierSdp: this.carrierSdp,
            codec: codecs.audio.encoding,
            webrtc: false,
          }),
        );
        this.pending = { tag: '', viaBranch, kind: 'park', webrtc: false };
      }
      const pending = this.pending!;
      const branch: Branch = { ...pending, tag: `park-${this.newId()}`, kind: 'park', webrtc: false };
      const r = await this.client.answer(
        branchAnswer({
          ...this.base(),
          branchTag: branch.tag,
          viaBranch: branch.viaBranch,
          sdp: buildParkSdp(codecs),
          kind: 'park',
          webrtc: false,
          callerProtocol: this.callerProtocol,
        }),
      );
      await this.switchTo(branch, r.sdp);
      const p = this.prompt;
      if (p) {
        // The old branch is gone (and with it the playback): keep only the caller's block, re-play music.
        p.blocked = p.blocked.filter((t) => t === this.callerTag);
        if (p.repeat > 1) await this.replayPrompt();
        else this.clearPrompt();
      }
      return this.callerSdpSent!;
    });
  }

  /** Re-offers the caller's SDP for a new agent branch; returns the SDP to send to the agent. */
  connectBranch(opts: {
    webrtc: boolean;
    codec?: string;
    /** Offer RTP/SAVP with SDES keys (a trunk that requires SRTP). */
    srtp?: boolean;
  }): Promise<{ branchTag: string; sdp: string }> {
    return this.run('connectBranch', async () => {
      if (this.state !== 'active') throw new MediaSessionStateError(`connectBranch in state ${this.state}`);
      const viaBranch = this.newId();
      const r = await this.client.offer(
        branchOffer({
          ...this.base(),
          viaBranch,
          carrierSdp: this.carrierSdp,
          codec: opts.codec ?? this.codecs!.audio.encoding,
          webrtc: opts.webrtc,
          ...(opts.srtp ? { srtp: true } : {}),
        }),
      );
      this.pending = {
        tag: `agent-${this.newId()}`,
        viaBranch,
        kind: 'agent',
        webrtc: opts.webrtc,
        ...(opts.srtp ? { srtp: true } : {}),
      };
      return { branchTag: this.pending.tag, sdp: r.sdp };
    });
  }

  /**
   * Answers the pending agent branch with the agent's SDP, then deletes the previous branch. The SDP rtpengine
   * returns for the caller is discarded; if it differs from the one already sent, `callerSdpChanged` fires.
   */
  answerBranch(agentAnswerSdp: string): Promise<{ callerSdpChanged: boolean }> {
    return this.run('answerBranch', async () => {
      const branch = this.pending;
      if (this.state !== 'active' || !branch || branch.kind !== 'agent') {
        throw new MediaSessionStateError('answerBranch without a pending agent branch');
      }
      const r = await this.client.answer(
        branchAnswer({
          ...this.base(),
          branchTag: branch.tag,
          viaBranch: branch.viaBranch,
          sdp: agentAnswerSdp,
          kind: 'agent',
          webrtc: branch.webrtc,
          callerProtocol: this.callerProtocol,
        }),
      );
      // Deleting the old branch stops any play media; a caller left blocked by hold is unblocked.
      const callerBlocked = this.prompt?.blocked.includes(this.callerTag) ?? false;
      this.clearPrompt();
      const changed = await this.switchTo({ ...branch, answerSdp: agentAnswerSdp }, r.sdp);
      if (callerBlocked) await this.client.unblockMedia({ callId: this.callId, fromTag: this.callerTag });
      return { callerSdpChanged: changed };
    });
  }

  /**
   * Gives up a pending agent branch that was never answered (an attended transfer the target
   * refused) while the caller stays on the current branch: rtpengine moved the caller's media to the
   * offered branch, so the current branch is offered and answered again (as `updateCaller` does).
   */
  abandonBranch(): Promise<void> {
    return this.run('abandonBranch', async () => {
      const b = this.current;
      if (!this.pending || this.state !== 'active' || !b) return;
      this.pending = undefined;
      const base = { ...this.base(), viaBranch: b.viaBranch, webrtc: b.webrtc };
      const codec = this.codecs!.audio.encoding;
      await this.client.offer({
        ...branchOffer({ ...base, carrierSdp: this.carrierSdp, codec, srtp: b.srtp ?? false }),
        toTag: b.tag,
      });
      const sdp = b.kind === 'park' ? buildParkSdp(this.codecs!) : (b.answerSdp ?? '');
      await this.client.answer(
        branchAnswer({ ...base, branchTag: b.tag, sdp, kind: b.kind, callerProtocol: this.callerProtocol }),
      );
    });
  }

  /**
   * A re-INVITE from the carrier with new media (it moved its address or port): re-offers the caller's
   * side on the current branch and answers it with that branch's far side, so the caller's new address
   * is used at once and by every later branch. Returns rtpengine's SDP for the carrier's 200 OK.
   */
  updateCaller(carrierSdp: string): Promise<string> {
    return this.run('updateCaller', async () => {
      const b = this.current;
      if (this.state !== 'active' || !b)
        throw new MediaSessionStateError(`updateCaller in state ${this.state}`);
      if (sameMedia(this.carrierSdp, carrierSdp)) return this.callerSdpSent!;
      const codecs = callerCodecs(carrierSdp);
      const base = { ...this.base(), viaBranch: b.viaBranch, webrtc: b.webrtc };
      await this.client.offer({
        ...branchOffer({ ...base, carrierSdp, codec: codecs.audio.encoding, srtp: b.srtp ?? false }),
        toTag: b.tag,
      });
      const sdp = b.kind === 'park' ? buildParkSdp(codecs) : (b.answerSdp ?? '');
      const protocol = callerProtocol(carrierSdp);
      const r = await this.client.answer(
        branchAnswer({ ...base, branchTag: b.tag, sdp, kind: b.kind, callerProtocol: protocol }),
      );
      this.callerProtocol = protocol;
      this.carrierSdp = carrierSdp;
      this.codecs = codecs;
      this.callerSdpSent = r.sdp;
      return r.sdp;
    });
  }

  /** Deletes one branch by its to-tag (never the caller: that would end the call). */
  deleteBranch(tag: string, viaBranch?: string): Promise<void> {
    return this.run('deleteBranch', () => this.deleteBranchNow(tag, viaBranch));
  }

  private async deleteBranchNow(tag: string, viaBranch?: string): Promise<void> {
    await this.client.delete({ callId: this.callId, fromTag: this.callerTag, toTag: tag, viaBranch });
    this.log.debug({ call_id: this.callId, branch: tag }, 'branch deleted');
  }

  private async switchTo(branch: Branch, callerSdp: string): Promise<boolean> {
    const previous = this.current;
    this.current = branch;
    this.pending = undefined;
    let changed = false;
    if (this.callerSdpSent === undefined) {
      this.callerSdpSent = callerSdp;
    } else if (!sameMedia(this.callerSdpSent, callerSdp)) {
      changed = true;
      const err = new CallerSdpChangedError(`caller SDP changed on branch ${branch.tag}`);
      this.log.error(
        { call_id: this.callId, branch: branch.tag, err },
        'caller SDP changed: re-INVITE needed',
      );
      this.observer.emit('callerSdpChanged', {
        callId: this.callId,
        branchTag: branch.tag,
        previous: this.callerSdpSent,
        next: callerSdp,
      });
    }
    this.state = 'active';
    if (previous) await this.deleteBranchNow(previous.tag, previous.viaBranch);
    return changed;
  }

  /**
   * Plays a file to the caller; the current agent's media is blocked meanwhile. `repeat` > 1 loops it
   * (music on hold). Returns the duration of one play-through when rtpengine reports it.
   */
  playPrompt(file: string, opts: { repeat?: number } = {}): Promise<{ durationMs?: number }> {
    return this.run('playPrompt', async () => {
      if (this.state !== 'active') throw new MediaSessionStateError(`playPrompt in state ${this.state}`);
      this.clearPrompt();
      const blocked = this.current?.kind === 'agent' ? [this.current.tag] : [];
      this.prompt = { file, repeat: opts.repeat ?? 1, blocked };
      for (const tag of blocked) await this.client.blockMedia({ callId: this.callId, fromTag: tag });
      return this.startPlay();
    });
  }

  private async startPlay(): Promise<{ durationMs?: number }> {
    const p = this.prompt!;
    const r = await this.client.playMedia({
      callId: this.callId,
      fromTag: this.callerTag,
      file: await this.playable(p.file),
      ...(p.repeat > 1 ? { repeatTimes: p.repeat } : {}),
    });
    if (r.durationMs !== undefined && p.blocked.length > 0) {
      p.timer = this.clock.setTimeout(
        () => void this.stopPrompt().catch(() => undefined),
        r.durationMs * p.repeat,
      );
    }
    return r.durationMs === undefined ? {} : { durationMs: r.durationMs };
  }

  private playable(file: string): Promise<string> {
    const encoding = this.codecs?.audio.encoding;
    return this.opts.prompts && encoding ? this.opts.prompts.forCodec(file, encoding) : Promise.resolve(file);
  }

  private async replayPrompt(): Promise<void> {
    if (this.prompt?.timer !== undefined) this.clock.clearTimeout(this.prompt.timer);
    await this.startPlay();
  }

  /** Stops the prompt and unblocks whatever it blocked. */
  stopPrompt(): Promise<void> {
    return this.run('stopPrompt', async () => {
      const p = this.prompt;
      if (!p) return;
      this.clearPrompt();
      await this.client.stopMedia({ callId: this.callId, fromTag: this.callerTag }).catch((err: unknown) => {
        if (!(err instanceof NgError)) throw err; // nothing playing any more
      });
      for (const tag of p.blocked) await this.client.unblockMedia({ callId: this.callId, fromTag: tag });
    });
  }

  private clearPrompt(): void {
    if (this.prompt?.timer !== undefined) this.clock.clearTimeout(this.prompt.timer);
    this.prompt = undefined;
  }

  /** Puts the caller on hold: both directions blocked, music looped to the caller. */
  hold(musicFile: string, repeat = 999): Promise<void> {
    return this.run('hold', async () => {
      const agent = this.current;
      if (this.state !== 'active' || agent?.kind !== 'agent')
        throw new MediaSessionStateError('hold without an agent');
      this.clearPrompt();
      const blocked = [agent.tag, this.callerTag];
      this.prompt = { file: musicFile, repeat, blocked };
      for (const tag of blocked) await this.client.blockMedia({ callId: this.callId, fromTag: tag });
      await this.client.playMedia({
        callId: this.callId,
        fromTag: this.callerTag,
        file: await this.playable(musicFile),
        repeatTimes: repeat,
      });
    });
  }

  /** Takes the caller off hold. */
  resume(): Promise<void> {
    return this.stopPrompt();
  }

  /** Sends RFC 4733 digits to the current branch (needs `injectDtmf`). */
  sendDtmf(digits: string, durationMs = 100): Promise<void> {
    return this.run('sendDtmf', async () => {
      if (!this.opts.injectDtmf) throw new MediaSessionStateError('sendDtmf needs injectDtmf');
      await this.client.playDTMF({ callId: this.callId, fromTag: this.callerTag, code: digits, durationMs });
    });
  }

  /** Deletes the whole call in rtpengine. Idempotent; a call rtpengine no longer knows counts as ended. */
  async end(): Promise<void> {
    if (this.state === 'ended') return;
    await this.chain;
    if (this.ended) return; // a concurrent end() won while waiting
    this.state = 'ended';
    this.clearPrompt();
    try {
      await this.client.delete({ callId: this.callId });
    } catch (err) {
      // An overloaded rtpengine answered none of the client's attempts: try again later, so the call's
      // ports and players are not left to rtpengine's own media timeout.
      if (err instanceof NgTimeoutError) this.deleteLater(0);
      if (!(err instanceof NgError)) throw err;
      this.log.debug({ call_id: this.callId, reason: err.reason }, 'call already gone in rtpengine');
    } finally {
      this.opts.onEnded?.();
      this.observer.emit('ended', { callId: this.callId });
    }
  }

  /** Retries the final delete after DELETE_RETRY_MS[attempt] (an unknown call ends the retries). */
  private deleteLater(attempt: number): void {
    const wait = DELETE_RETRY_MS[attempt];
    if (wait === undefined) {
      this.log.warn(
        { call_id: this.callId },
        'rtpengine never confirmed the delete: left to its media timeout',
      );
      return;
    }
    this.clock.setTimeout(() => {
      this.client.delete({ callId: this.callId }).then(
        () =>
          this.log.info({ call_id: this.callId, attempt: attempt + 1 }, 'rtpengine call deleted on retry'),
        (err: unknown) => {
          if (err instanceof NgTimeoutError) this.deleteLater(attempt + 1);
        },
      );
    }, wait);
  }
}
