/**
 * The little SDP the media layer needs on its own: the edge-written park SDP, the caller's audio codec,
 * and a summary to tell whether two SDPs for the same party describe the same media. Not a parser for
 * the SIP layer (edge/src/sdp is).
 */

export interface AudioCodec {
  payloadType: number;
  /** e.g. PCMU, PCMA. */
  encoding: string;
  clockRate: number;
}

export interface CallerCodecs {
  /** The caller's first audio codec (G.711 preferred). */
  audio: AudioCodec;
  /** The caller's telephone-event payload type, if offered. */
  dtmfPayloadType?: number;
}

/**
 * What one side of a call speaks: plain RTP (RTP/AVP), SDES-SRTP (RTP/SAVP or RTP/SAVPF with a=crypto,
 * RFC 4568) or WebRTC (UDP/TLS/RTP/SAVPF: DTLS-SRTP and ICE).
 */
export type MediaProfile = 'rtp' | 'srtp' | 'webrtc';

/** The profile of an SDP's first audio m= line ('rtp' without one). */
export function sdpProfile(sdp: string): MediaProfile {
  const proto = /^m=audio \S+ (\S+)/m.exec(sdp)?.[1]?.toUpperCase();
  if (proto === 'UDP/TLS/RTP/SAVPF' || proto === 'UDP/TLS/RTP/SAVP') return 'webrtc';
  if (proto === 'RTP/SAVP' || proto === 'RTP/SAVPF') return 'srtp';
  return 'rtp';
}

const STATIC_PT: Record<number, AudioCodec> = {
  0: { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
  8: { payloadType: 8, encoding: 'PCMA', clockRate: 8000 },
  9: { payloadType: 9, encoding: 'G722', clockRate: 8000 },
  18: { payloadType: 18, encoding: 'G729', clockRate: 8000 },
};

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.length > 0);
}

/** Codecs of the first audio m= line; throws RangeError without one. */
export function callerCodecs(sdp: string): CallerCodecs {
  const all = lines(sdp);
  const mIndex = all.findIndex((l) => l.startsWith('m=audio '));
  if (mIndex < 0) throw new RangeError('SDP has no audio m= line');
  const pts = (all[mIndex] ?? '').split(' ').slice(3).map(Number);
  const section = all.slice(mIndex + 1);
  const end = section.findIndex((l) => l.startsWith('m='));
  const attrs = end < 0 ? section : section.slice(0, end);
  const rtpmap = new Map<number, AudioCodec>();
  for (const l of attrs) {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/.exec(l);
    if (m) rtpmap.set(Number(m[1]), { payloadType: Number(m[1]), encoding: m[2]!, clockRate: Number(m[3]) });
  }
  const codecs = pts.map((pt) => rtpmap.get(pt) ?? STATIC_PT[pt]).filter((c): c is AudioCodec => !!c);
  const dtmf = codecs.find((c) => c.encoding.toLowerCase() === 'telephone-event');
  const audio = codecs.filter((c) => c.encoding.toLowerCase() !== 'telephone-event');
  const first = audio.find((c) => c.encoding === 'PCMU' || c.encoding === 'PCMA') ?? audio[0];
  if (!first) throw new RangeError('SDP offers no audio codec');
  return dtmf ? { audio: first, dtmfPayloadType: dtmf.payloadType } : { audio: first };
}

/** The park SDP: a sink that sends nothing (`c=IN IP4 0.0.0.0`, port 9), one codec plus telephone-event. */
export function buildParkSdp(codecs: CallerCodecs, sessionId = Date.now()): string {
  const { audio, dtmfPayloadType } = codecs;
  const pts =
    dtmfPayloadType === undefined ? `${audio.payloadType}` : `${audio.payloadType} ${dtmfPayloadType}`;
  const out = [
    'v=0',
    `o=- ${sessionId} 1 IN IP4 0.0.0.0`,
    's=-',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    `m=audio 9 RTP/AVP ${pts}`,
    `a=rtpmap:${audio.payloadType} ${audio.encoding}/${audio.clockRate}`,
  ];
  if (dtmfPayloadType !== undefined) {
    out.push(`a=rtpmap:${dtmfPayloadType} telephone-event/8000`, `a=fmtp:${dtmfPayloadType} 0-16`);
  }
  out.push('a=sendrecv');
  return `${out.join('\r\n')}\r\n`;
}

export interface MediaSummary {
  connection: string | undefined;
  media: string[];
}

/**
 * What a peer needs to keep sending to the same place: connection address and each m= line (port, profile,
 * payload types). Origin and attribute order are ignored.
 */
export function mediaSummary(sdp: string): MediaSummary {
  const all = lines(sdp);
  return {
    connection: all.find((l) => l.startsWith('c='))?.trim(),
    media: all.filter((l) => l.startsWith('m=')).map((l) => l.trim()),
  };
}

export function sameMedia(a: string, b: string): boolean {
  return JSON.stringify(mediaSummary(a)) === JSON.stringify(mediaSummary(b));
}

/** The port of the first audio m= line, or undefined. */
export function audioPort(sdp: string): number | undefined {
  const m = /^m=audio (\d+) /m.exec(sdp);
  return m ? Number(m[1]) : undefined;
}
