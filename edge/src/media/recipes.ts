/**
 * The NG flag recipes of the "IVR first, agent later, no re-INVITE to the carrier" model, exactly as the
 * architecture doc writes them. Pure functions: a test can read every recipe without an rtpengine.
 */
import type { AnswerOptions, NgFlag, OfferOptions, ReplaceFlag, TransportProtocol } from './ng-types.ts';
import { type MediaProfile, sdpProfile } from './sdp-lite.ts';

const REPLACE: ReplaceFlag[] = ['origin', 'session-connection', 'zero-address'];

export interface CallerOfferInput {
  callId: string;
  callerTag: string;
  viaBranch: string;
  carrierSdp: string;
  injectDtmf: boolean;
}

/** The first offer of a call: the carrier's SDP as is, optionally recorded. */
export function firstOffer(i: CallerOfferInput & { record: boolean }): OfferOptions {
  return {
    ...common(i),
    ...(i.record ? { recordCall: true } : {}),
  };
}

/**
 * The profile written towards the caller in every answer: the caller's own (RTP/SAVP or RTP/SAVPF with
 * SDES keys when it offered SRTP, RFC 4568), else RTP/AVP (a WebRTC profile would turn the caller's leg
 * into WebRTC).
 */
export function callerProtocol(callerSdp: string): TransportProtocol {
  if (sdpProfile(callerSdp) !== 'srtp') return 'RTP/AVP';
  return /^m=audio \S+ RTP\/SAVPF /im.test(callerSdp) ? 'RTP/SAVPF' : 'RTP/SAVP';
}

/**
 * A re-offer from the caller with the stored carrier SDP, for a new branch: the caller's codec plus
 * telephone-event only; a WebRTC agent gets DTLS-SRTP, ICE, rtcp-mux and mid; an SRTP branch (a trunk
 * that requires SRTP) gets RTP/SAVP, for which rtpengine writes SDES keys (a=crypto).
 */
export function branchOffer(
  i: CallerOfferInput & { codec: string; webrtc: boolean; srtp?: boolean },
): OfferOptions {
  const base: OfferOptions = {
    ...common(i),
    codec: { strip: ['all'], except: [i.codec, 'telephone-event'] },
    ...(i.srtp && !i.webrtc ? { transportProtocol: 'RTP/SAVP' as const } : {}),
  };
  if (!i.webrtc) return base;
  return {
    ...base,
    transportProtocol: 'UDP/TLS/RTP/SAVPF',
    ice: 'force',
    rtcpMux: ['require'],
    sdes: ['off'],
    flags: [...(base.flags ?? []), 'generate-mid'],
  };
}

function common(i: CallerOfferInput): OfferOptions {
  return {
    callId: i.callId,
    fromTag: i.callerTag,
    viaBranch: i.viaBranch,
    sdp: i.carrierSdp,
    replace: [...REPLACE],
    ice: 'remove',
    transportProtocol: 'RTP/AVP',
    label: 'caller',
    ...(i.injectDtmf ? { flags: ['inject DTMF'] } : {}),
  };
}

export interface BranchAnswerInput {
  callId: string;
  callerTag: string;
  branchTag: string;
  viaBranch: string;
  sdp: string;
  kind: 'park' | 'agent';
  webrtc: boolean;
  injectDtmf: boolean;
  /** The caller's profile (callerProtocol of its SDP). */
  callerProtocol: TransportProtocol;
}

/**
 * The answer of a branch: always the caller's profile (RTP/AVP or its SRTP profile, no ICE) and port latching; the park answer
 * keeps the original direction; a WebRTC answer demuxes RTCP and drops DTLS towards the caller.
 */
export function branchAnswer(i: BranchAnswerInput): AnswerOptions {
  const flags: NgFlag[] = ['port-latching'];
  if (i.kind === 'park') flags.push('original-sendrecv');
  if (i.injectDtmf) flags.push('inject DTMF');
  const answer: AnswerOptions = {
    callId: i.callId,
    fromTag: i.callerTag,
    toTag: i.branchTag,
    viaBranch: i.viaBranch,
    sdp: i.sdp,
    replace: [...REPLACE],
    ice: 'remove',
    transportProtocol: i.callerProtocol,
    flags,
    label: i.kind,
  };
  if (!i.webrtc) return answer;
  return { ...answer, rtcpMux: ['demux'], dtls: 'off' };
}

/**
 * The profile rtpengine writes towards one side of a two-party call: a browser gets DTLS-SRTP, ICE,
 * rtcp-mux and mid; a plain RTP leg gets RTP/AVP without ICE, RTCP demuxed and no DTLS; an SRTP leg
 * (a phone that offered RTP/SAVP, a trunk that requires SRTP) the same with RTP/SAVP and SDES keys.
 */
export function profileTowards(profile: MediaProfile): Partial<OfferOptions> {
  if (profile === 'webrtc')
    return {
      transportProtocol: 'UDP/TLS/RTP/SAVPF',
      ice: 'force',
      rtcpMux: ['require'],
      sdes: ['off'],
      flags: ['generate-mid'],
    };
  const transportProtocol = profile === 'srtp' ? 'RTP/SAVP' : 'RTP/AVP';
  return { transportProtocol, ice: 'remove', rtcpMux: ['demux'], dtls: 'off' };
}

export interface PeerCallInput {
  callId: string;
  callerTag: string;
  sdp: string;
}

/**
 * The offer of a two-party call (a consultation between agents): the caller's SDP, written in the
 * callee's profile, G.711 and telephone-event only (no transcoding between browsers and phones).
 */
export function peerOffer(i: PeerCallInput & { callee: MediaProfile }): OfferOptions {
  return {
    callId: i.callId,
    fromTag: i.callerTag,
    sdp: i.sdp,
    replace: ['origin', 'session-connection'],
    codec: { strip: ['all'], except: ['PCMU', 'PCMA', 'telephone-event'] },
    label: 'caller',
    ...profileTowards(i.callee),
  };
}

/** The answer of a two-party call: the callee's SDP, written in the caller's profile (an SRTP caller's own). */
export function peerAnswer(
  i: PeerCallInput & { calleeTag: string; caller: MediaProfile; callerSdp?: string },
): AnswerOptions {
  const srtp = i.caller === 'srtp' && i.callerSdp ? { transportProtocol: callerProtocol(i.callerSdp) } : {};
  return {
    callId: i.callId,
    fromTag: i.callerTag,
    toTag: i.calleeTag,
    sdp: i.sdp,
    replace: ['origin', 'session-connection'],
    label: 'callee',
    ...profileTowards(i.caller),
    ...srtp,
  };
}
