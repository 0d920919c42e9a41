/**
 * Turns an rtpengine pcap recording into a stereo 8 kHz PCM16 WAV: caller on the left, agents on the right.
 * Samples are placed by RTP timestamp, each SSRC anchored at its first packet's arrival time (re-anchored
 * when the timestamp jumps away from arrival time); gaps stay silent. Only G.711 (PT 0 and 8) is decoded;
 * telephone-event, comfort noise and RTCP are skipped.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { RecordingError } from './errors.ts';
import { decodeG711 } from './g711.ts';
import { readPcap } from './pcap.ts';
import { parseMetadata, portsBySide } from './recording-metadata.ts';
import { parseRtp } from './rtp-packet.ts';
import { pcm16Wav } from './wav.ts';

export const RECORDING_RATE = 8000;
/** Beyond this gap between RTP time and arrival time a stream is re-anchored (a jump, not jitter). */
const REANCHOR_SAMPLES = RECORDING_RATE; // 1 s

export type Side = 'caller' | 'agent';

export interface ChannelStats {
  packets: number;
  ssrcs: number;
}

export interface StereoRecording {
  left: Int16Array;
  right: Int16Array;
  durationMs: number;
  caller: ChannelStats;
  agent: ChannelStats;
  /** UDP datagrams that were not G.711 RTP to a known port. */
  ignored: number;
}

interface Stream {
  anchorPos: number;
  anchorTs: number;
}

class Channel {
  samples = new Int16Array(RECORDING_RATE * 10);
  length = 0;
  packets = 0;
  readonly streams = new Map<number, Stream>();

  write(pos: number, pcm: Int16Array): void {
    const end = pos + pcm.length;
    if (end > this.samples.length) {
      const grown = new Int16Array(Math.max(end, this.samples.length * 2));
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples.set(pcm, pos);
    this.length = Math.max(this.length, end);
    this.packets++;
  }
}

/** Decodes a pcap buffer; `sideOf` tells which party sent a datagram by rtpengine's receiving port. */
export function pcapToStereo(pcap: Buffer, sideOf: (dstPort: number) => Side | undefined): StereoRecording {
  const { datagrams } = readPcap(pcap);
  const channels: Record<Side, Channel> = { caller: new Channel(), agent: new Channel() };
  let ignored = 0;
  const t0 = datagrams.reduce((min, d) => Math.min(min, d.timeUs), Number.POSITIVE_INFINITY);
  for (const d of datagrams) {
    const side = sideOf(d.dstPort);
    const rtp = side && parseRtp(d.payload);
    if (!side || !rtp || (rtp.payloadType !== 0 && rtp.payloadType !== 8) || rtp.payload.length === 0) {
      ignored++;
      continue;
    }
    const ch = channels[side];
    const arrivalPos = Math.round(((d.timeUs - t0) * RECORDING_RATE) / 1e6);
    let s = ch.streams.get(rtp.ssrc);
    if (!s) {
      s = { anchorPos: arrivalPos, anchorTs: rtp.timestamp };
      ch.streams.set(rtp.ssrc, s);
    }
    let pos = s.anchorPos + ((rtp.timestamp - s.anchorTs) | 0); // signed 32-bit difference handles wrap
    if (pos < 0 || Math.abs(pos - arrivalPos) > REANCHOR_SAMPLES) {
      s.anchorPos = arrivalPos;
      s.anchorTs = rtp.timestamp;
      pos = arrivalPos;
    }
    ch.write(pos, decodeG711(rtp.payloadType === 0 ? 'ulaw' : 'alaw', rtp.payload));
  }
  const frames = Math.max(channels.caller.length, channels.agent.length);
  const cut = (c: Channel) => {
    const out = new Int16Array(frames);
    out.set(c.samples.subarray(0, Math.min(c.length, frames)));
    return out;
  };
  const stats = (c: Channel): ChannelStats => ({ packets: c.packets, ssrcs: c.streams.size });
  return {
    left: cut(channels.caller),
    right: cut(channels.agent),
    durationMs: (frames * 1000) / RECORDING_RATE,
    caller: stats(channels.caller),
    agent: stats(channels.agent),
    ignored,
  };
}

export interface ConvertOptions {
  pcapPath: string;
  /** rtpengine's metadata file; tells caller-facing from agent-facing ports. */
  metadataPath?: string;
  /** Explicit caller-facing ports instead of the metadata (anything else counts as agent). */
  callerPorts?: number[];
  wavPath: string;
}

export interface RecordingResult {
  wavPath: string;
  sha256: string;
  durationMs: number;
  bytes: number;
  caller: ChannelStats;
  agent: ChannelStats;
  ignored: number;
}

/** Converts a call's pcap into a stereo WAV file and returns its SHA-256 and duration. */
export async function convertRecording(opts: ConvertOptions): Promise<RecordingResult> {
  let sideOf: (port: number) => Side | undefined;
  if (opts.callerPorts) {
    const caller = new Set(opts.callerPorts);
    sideOf = (p) => (caller.has(p) ? 'caller' : 'agent');
  } else if (opts.metadataPath) {
    const sides = portsBySide(parseMetadata(await readFile(opts.metadataPath, 'utf8')));
    if (sides.caller.size === 0) throw new RecordingError('metadata names no caller-facing port');
    sideOf = (p) => (sides.caller.has(p) ? 'caller' : sides.agent.has(p) ? 'agent' : undefined);
  } else {
    throw new RecordingError('need metadataPath or callerPorts to tell the caller from the agent');
  }
  let pcap: Buffer;
  try {
    pcap = await readFile(opts.pcapPath);
  } catch (err) {
    throw new RecordingError(`cannot read ${opts.pcapPath}`, { cause: err });
  }
  const stereo = pcapToStereo(pcap, sideOf);
  const wav = pcm16Wav([stereo.left, stereo.right], RECORDING_RATE);
  await writeFile(opts.wavPath, wav);
  return {
    wavPath: opts.wavPath,
    sha256: createHash('sha256').update(wav).digest('hex'),
    durationMs: stereo.durationMs,
    bytes: wav.length,
    caller: stereo.caller,
    agent: stereo.agent,
    ignored: stereo.ignored,
  };
}
