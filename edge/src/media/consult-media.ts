/**
 * The media of a two-party call anchored in rtpengine (a consultation between agents): one offer
 * with the calling side's SDP, one answer with the called side's, each side written in its own
 * profile. Either side may be a browser (DTLS-SRTP, ICE) or a plain RTP phone; no IVR, no
 * branches, no prompts (tones towards a browser are played in the page).
 */
import type { Logger } from '@hcc/shared';
import { MediaSessionStateError, NgError } from './errors.ts';
import type { MediaClient } from './media-session.ts';
import { peerAnswer, peerOffer } from './recipes.ts';
import { type MediaProfile, sdpProfile } from './sdp-lite.ts';

/** Whether an SDP offers WebRTC media (DTLS-SRTP with feedback: what browsers send). */
export const isWebrtcSdp = (sdp: string): boolean => /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m.test(sdp);

export interface ConsultMediaOptions {
  client: Pick<MediaClient, 'offer' | 'answer' | 'delete'>;
  callId: string;
  callerTag: string;
  logger?: Logger;
  /** Called once after end() (e.g. to release the pool pin). */
  onEnded?: () => void;
}

export class ConsultMedia {
  private state: 'new' | 'offered' | 'active' | 'ended' = 'new';
  private caller: MediaProfile = 'rtp';
  private callerOffer = '';
  /** An offer went out: rtpengine may know the call. */
  private sent = false;
  private sentToCaller: string | undefined;

  constructor(private readonly o: ConsultMediaOptions) {}

  get callId(): string {
    return this.o.callId;
  }

  /** The SDP the calling side got in its 200 OK (re-INVITEs of that side are answered with it). */
  get callerSdp(): string | undefined {
    return this.sentToCaller;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /**
   * Offers the caller's SDP; returns the SDP for the called side, in its profile (`true`: WebRTC,
   * `false`: plain RTP). The caller is answered in the profile it offered (RTP, SDES-SRTP or WebRTC).
   */
  async offer(callerSdp: string, callee: boolean | MediaProfile): Promise<string> {
    if (this.state !== 'new') throw new MediaSessionStateError(`offer in state ${this.state}`);
    this.caller = sdpProfile(callerSdp);
    this.callerOffer = callerSdp;
    const calleeProfile = typeof callee === 'boolean' ? (callee ? 'webrtc' : 'rtp') : callee;
    // From here rtpengine may hold the call even if the reply never comes (timeout): end() deletes it.
    this.sent = true;
    const r = await this.o.client.offer(
      peerOffer({
        callId: this.o.callId,
        callerTag: this.o.callerTag,
        sdp: callerSdp,
        callee: calleeProfile,
      }),
    );
    this.state = 'offered';
    return r.sdp;
  }

  /** Answers with the called side's SDP; returns the SDP for the caller's 200 OK. */
  async answer(calleeTag: string, calleeSdp: string): Promise<string> {
    if (this.state !== 'offered') throw new MediaSessionStateError(`answer in state ${this.state}`);
    const r = await this.o.client.answer(
      peerAnswer({
        callId: this.o.callId,
        callerTag: this.o.callerTag,
        calleeTag,
        sdp: calleeSdp,
        caller: this.caller,
        callerSdp: this.callerOffer,
      }),
    );
    this.state = 'active';
    this.sentToCaller = r.sdp;
    return r.sdp;
  }

  /** Deletes the call in rtpengine. Idempotent; a call rtpengine no longer knows counts as ended. */
  async end(): Promise<void> {
    if (this.state === 'ended') return;
    const offered = this.sent;
    this.state = 'ended';
    try {
      if (offered) await this.o.client.delete({ callId: this.o.callId });
    } catch (err) {
      if (!(err instanceof NgError)) throw err;
      this.o.logger?.debug({ call_id: this.o.callId }, 'consult call already gone in rtpengine');
    } finally {
      this.o.onEnded?.();
    }
  }
}
