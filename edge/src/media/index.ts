/**
 * The media layer: rtpengine control (NG protocol), instance pool, per-call media sessions, DTMF events and
 * recordings. It knows nothing of SIP, calls, IVR or queues.
 */

export { type DecodeOptions, decode as bencodeDecode, encode as bencodeEncode } from './bencode.ts';
export { ConsultMedia, type ConsultMediaOptions, isWebrtcSdp } from './consult-media.ts';
export {
  type DtmfDigit,
  type DtmfEvent,
  DtmfListener,
  type DtmfListenerEvents,
  type DtmfListenerStats,
} from './dtmf-listener.ts';
export {
  BencodeError,
  CallerSdpChangedError,
  MediaSessionStateError,
  NgClosedError,
  NgError,
  NgProtocolError,
  NgTimeoutError,
  NoMediaServerError,
  RecordingError,
} from './errors.ts';
export { decodeG711, encodeG711, type G711Law } from './g711.ts';
export {
  type Branch,
  type MediaClient,
  MediaSession,
  type MediaSessionEvents,
  type MediaSessionOptions,
} from './media-session.ts';
export { NgClient, type NgClientOptions, type RequestOptions } from './ng-client.ts';
export type * from './ng-types.ts';
export {
  type HealthChange,
  type PingableClient,
  type PoolEvents,
  type PoolMemberState,
  type PoolOptions,
  type PoolServer,
  RtpenginePool,
} from './pool.ts';
export { G711PromptCache, g711Wav, type PromptFiles } from './prompt-cache.ts';
export { type ConvertOptions, convertRecording, type RecordingResult } from './recording.ts';
export { findRecording, type RecordingFiles } from './recording-metadata.ts';
export { parseRtp, type RtpPacket } from './rtp-packet.ts';
export { buildParkSdp, type CallerCodecs, callerCodecs, type MediaProfile, sdpProfile } from './sdp-lite.ts';
export { pcm16Wav, readPcm16Wav } from './wav.ts';
