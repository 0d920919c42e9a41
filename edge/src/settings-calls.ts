// How the edge ends hung calls (issue 15), read from the environment (part of EdgeSettings).
import { envReader } from '@hcc/shared';

export interface HungCallSettings {
  /**
   * A caller that sends no RTP for this long is gone (EDGE_MEDIA_TIMEOUT_S, default 60 s like carriers);
   * rtpengine gets the same value as --timeout.
   */
  mediaTimeoutS: number;
  /** The same when the caller's SDP says it sends nothing (EDGE_MEDIA_HOLD_TIMEOUT_S, rtpengine --silent-timeout). */
  holdTimeoutS: number;
  /** rtpengine --final-timeout: any call ends after this long (EDGE_MEDIA_FINAL_TIMEOUT_S, 0 = never). */
  finalTimeoutS: number;
  /** RFC 4028 Min-SE: a smaller Session-Expires gets 422 (EDGE_SIP_MIN_SE, default 90 as the RFC says). */
  minSessionExpiresS: number;
}

export function hungCallSettings(env: NodeJS.ProcessEnv = process.env): HungCallSettings {
  const e = envReader(env);
  return {
    mediaTimeoutS: e.int('EDGE_MEDIA_TIMEOUT_S', 60, 1),
    holdTimeoutS: e.int('EDGE_MEDIA_HOLD_TIMEOUT_S', 3600, 1),
    finalTimeoutS: e.int('EDGE_MEDIA_FINAL_TIMEOUT_S', 0, 0),
    minSessionExpiresS: e.int('EDGE_SIP_MIN_SE', 90, 1),
  };
}
