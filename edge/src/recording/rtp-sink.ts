/**
 * A local RTP receiver for voicemail: rtpengine's branch offer is answered with this socket's
 * address, so the caller's audio arrives here. G.711 (PT 0/8) is decoded into one mono 8 kHz PCM16
 * track, placed by RTP timestamp (each SSRC anchored at its arrival time, re-anchored after a jump);
 * telephone-event, comfort noise and anything not RTP are ignored. Bounded by `maxSamples`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { Clock } from '@hcc/shared';
import { decodeG711, type G711Law, parseRtp } from '../media/index.ts';

export const RATE = 8000;
const REANCHOR = RATE; // 1 s between RTP time and arrival time: a jump, not jitter

interface Anchor {
  pos: number;
  ts: number;
}

export class RtpSink {
  private pcm: Int16Array;
  private end = 0;
  private t0: number | undefined;
  private readonly anchors = new Map<number, Anchor>();
  private closed = false;
  packets = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly maxSamples: number,
  ) {
    this.pcm = new Int16Array(Math.min(maxSamples, RATE * 10));
    socket.on('message', (buf) => this.onPacket(buf));
    socket.on('error', () => {});
  }

  static async open(o: { host: string; clock: Clock; maxSeconds: number }): Promise<RtpSink> {
    const socket = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
    socket.bind(0, o.host);
    try {
      await once(socket, 'listening');
    } catch (err) {
      socket.close();
      throw err;
    }
    return new RtpSink(socket, o.clock, Math.ceil((o.maxSeconds + 2) * RATE));
  }

  get address(): { host: string; port: number } {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  /** The SDP answer to rtpengine's offer: the offer's G.711 codec (PCMU first) and telephone-event. */
  answer(offerSdp: string): string {
    const m = /^m=audio \d+ [A-Z/]+ ([0-9 ]+)/m.exec(offerSdp);
    const pts = (m?.[1] ?? '').trim().split(/\s+/).map(Number);
    const pt = pts.find((p) => p === 0) ?? pts.find((p) => p === 8) ?? 0;
    const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offerSdp)?.[1];
    const { host, port } = this.address;
    const ip = host.includes(':') ? 'IP6' : 'IP4';
    return [
      'v=0',
      `o=- ${port} 1 IN ${ip} ${host}`,
      's=voicemail',
      `c=IN ${ip} ${host}`,
      't=0 0',
      `m=audio ${port} RTP/AVP ${pt}${te ? ` ${te}` : ''}`,
      `a=rtpmap:${pt} ${pt === 8 ? 'PCMA' : 'PCMU'}/8000`,
      ...(te ? [`a=rtpmap:${te} telephone-event/8000`] : []),
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  private onPacket(buf: Buffer): void {
    if (this.closed) return;
    const p = parseRtp(buf);
    if (!p || (p.payloadType !== 0 && p.payloadType !== 8)) return;
    const law: G711Law = p.payloadType === 0 ? 'ulaw' : 'alaw';
    const now = this.clock.now();
    this.t0 ??= now;
    const arrival = Math.round(((now - this.t0) * RATE) / 1000);
    let a = this.anchors.get(p.ssrc);
    let pos = a ? a.pos + ((p.timestamp - a.ts) | 0) : arrival;
    if (!a || Math.abs(pos - arrival) > REANCHOR) {
      a = { pos: arrival, ts: p.timestamp };
      this.anchors.set(p.ssrc, a);
      pos = arrival;
    }
    if (pos < 0) return;
    const samples = decodeG711(law, p.payload);
    const stop = Math.min(pos + samples.length, this.maxSamples);
    if (stop <= pos) return;
    this.grow(stop);
    this.pcm.set(samples.subarray(0, stop - pos), pos);
    this.end = Math.max(this.end, stop);
    this.packets++;
  }

  private grow(n: number): void {
    if (n <= this.pcm.length) return;
    const next = new Int16Array(Math.min(this.maxSamples, Math.max(n, this.pcm.length * 2)));
    next.set(this.pcm);
    this.pcm = next;
  }

  /** Stops receiving; returns the audio from the first packet to the last. */
  async close(): Promise<Int16Array> {
    if (!this.closed) {
      this.closed = true;
      await new Promise<void>((r) => this.socket.close(() => r()));
    }
    return this.pcm.slice(0, this.end);
  }
}
