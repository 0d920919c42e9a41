/** Typed request options and replies of the rtpengine NG protocol (the subset the edge uses). */
import type { BencodeDict, Encodable } from './bencode.ts';

export type ReplaceFlag =
  | 'origin'
  | 'session-connection'
  | 'zero-address'
  | 'username'
  | 'session-name'
  | 'force-increment-sdp-ver'
  | 'sdp-version';
export type IceMode = 'remove' | 'force' | 'default' | 'force-relay' | 'optional';
export type TransportProtocol =
  | 'RTP/AVP'
  | 'RTP/AVPF'
  | 'RTP/SAVP'
  | 'RTP/SAVPF'
  | 'UDP/TLS/RTP/SAVP'
  | 'UDP/TLS/RTP/SAVPF';
export type RtcpMuxFlag = 'offer' | 'require' | 'demux' | 'accept' | 'reject';
export type SdesFlag =
  | 'off'
  | 'no'
  | 'unencrypted_srtp'
  | 'unencrypted_srtcp'
  | 'unauthenticated_srtp'
  | 'pad';
export type DtlsMode = 'off' | 'no' | 'disable' | 'passive' | 'active';
/** Generic `flags` list entries; any other rtpengine flag string is accepted too. */
export type NgFlag =
  | 'port-latching'
  | 'original-sendrecv'
  | 'generate-mid'
  | 'inject DTMF'
  | 'trust-address'
  | 'symmetric'
  | 'asymmetric'
  | 'strict-source'
  | 'media-handover'
  | 'no-rtcp-attribute'
  | 'full-rtcp-attribute'
  | 'loop-protect'
  | (string & {});

export interface CodecOptions {
  /** Codecs to remove, `all` for every codec. */
  strip?: string[];
  /** Codecs kept despite `strip: ['all']`. */
  except?: string[];
  /** Codecs to add (transcoding). */
  transcode?: string[];
  /** Codecs to hide from the other side while still accepting them. */
  mask?: string[];
  /** Restrict the offer to these codecs. */
  offer?: string[];
}

/** Addresses one call (and optionally one dialogue) in rtpengine. */
export interface CallRef {
  callId: string;
  fromTag?: string;
  toTag?: string;
  viaBranch?: string;
}

/** Options shared by offer and answer. */
export interface SdpCommandOptions {
  callId: string;
  fromTag: string;
  sdp: string;
  viaBranch?: string;
  replace?: ReplaceFlag[];
  ice?: IceMode;
  transportProtocol?: TransportProtocol;
  rtcpMux?: RtcpMuxFlag[];
  sdes?: SdesFlag[];
  dtls?: DtlsMode;
  flags?: NgFlag[];
  codec?: CodecOptions;
  /** `record call: yes` (starts a pcap recording of the call). */
  recordCall?: boolean;
  /** Label of the monologue (appears in query output and recording metadata). */
  label?: string;
  /** Logical interface names, e.g. ['internal', 'external']. */
  direction?: [string, string];
  /** Further raw NG keys, merged last. */
  extra?: Record<string, Encodable>;
}

export type OfferOptions = SdpCommandOptions & { toTag?: string };
export type AnswerOptions = SdpCommandOptions & { toTag: string };

export interface DeleteOptions extends CallRef {
  /** Seconds before rtpengine frees the call; default 0 (rtpengine's own default is 30 s). */
  deleteDelay?: number;
}

export interface PlayMediaOptions {
  callId: string;
  /** The party that hears the media. */
  fromTag: string;
  toTag?: string;
  /** Absolute path of an audio file readable by rtpengine. */
  file: string;
  /** Play the file this many times (music on hold). */
  repeatTimes?: number;
  /** Start offset in ms. */
  startPosMs?: number;
}

export interface PlayDtmfOptions {
  callId: string;
  /** The party whose stream carries the DTMF (the other side hears it). */
  fromTag: string;
  toTag?: string;
  /** Digits 0-9, *, #, A-D; several digits play in sequence. */
  code: string;
  durationMs?: number;
  /** Volume in -dBm0 (positive number). */
  volume?: number;
  pauseMs?: number;
}

export interface BlockOptions {
  callId: string;
  fromTag?: string;
  toTag?: string;
  /** Block all parties of the call. */
  all?: boolean;
}

export interface NgReplyBase {
  /** rtpengine's `warning`, if any. */
  warning?: string;
  /** The whole decoded reply. */
  raw: BencodeDict;
}

export interface SdpReply extends NgReplyBase {
  sdp: string;
  /** Recording files announced by rtpengine (with `record call`). */
  recordings: string[];
}

export interface PlayMediaReply extends NgReplyBase {
  /** Duration of one play-through in ms, when rtpengine knows it. */
  durationMs?: number;
}

export interface TagInfo {
  tag: string;
  label?: string;
  viaBranch?: string;
  /** Tags this monologue receives media from. */
  subscriptions: string[];
  /** Packets (RTP and RTCP) rtpengine received from this party, over all its streams. */
  packetsIn: number;
}

export interface QueryReply extends NgReplyBase {
  created?: number;
  tags: Record<string, TagInfo>;
  totals: { rtpPackets: number; rtpBytes: number; rtcpPackets: number };
}
