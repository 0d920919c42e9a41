/** A fake RTP party on loopback (node:dgram): writes its SDP, sends G.711 and RFC 4733 events, counts what it hears. */
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { linearToUlaw } from '../../src/media/g711.ts';
import { buildRtp, parseRtp, type RtpPacket } from '../../src/media/rtp-packet.ts';

export class RtpEndpoint {
  readonly received: (RtpPacket & { from: number })[] = [];
  private seq = 0;
  private ts = 0;
  private constructor(
    private readonly socket: Socket,
    readonly ssrc: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      const p = parseRtp(msg);
      if (p) this.received.push({ ...p, from: rinfo.port });
    });
  }

  static async open(ssrc: number): Promise<RtpEndpoint> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new RtpEndpoint(s, ssrc);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** A plain RTP/AVP SDP offering PCMU and telephone-event 101. */
  sdp(sessionId = this.ssrc): string {
    return [
      'v=0',
      `o=- ${sessionId} 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** Sends `ms` of a µ-law tone to port in 20 ms packets, paced in real time. */
  async sendTone(toPort: number, ms: number, freq = 440): Promise<void> {
    const packets = Math.round(ms / 20);
    for (let i = 0; i < packets; i++) {
      const payload = Buffer.from(
        Array.from({ length: 160 }, (_, k) =>
          linearToUlaw(8000 * Math.sin((2 * Math.PI * freq * (this.ts + k)) / 8000)),
        ),
      );
      this.send(
        toPort,
        buildRtp({ payloadType: 0, sequence: this.seq++, timestamp: this.ts, ssrc: this.ssrc, payload }),
      );
      this.ts += 160;
      await sleep(20);
    }
  }

  /** Sends one RFC 4733 event (digit 0-15): three updates and three end packets, like a real phone. */
  async sendDigit(toPort: number, event: number, payloadType = 101): Promise<void> {
    const start = this.ts;
    for (let i = 0; i < 6; i++) {
      const end = i >= 3;
      const payload = Buffer.alloc(4);
      payload[0] = event;
      payload[1] = (end ? 0x80 : 0) | 10;
      payload.writeUInt16BE(Math.min(i + 1, 4) * 160, 2);
      this.send(
        toPort,
        buildRtp({
          payloadType,
          marker: i === 0,
          sequence: this.seq++,
          timestamp: start,
          ssrc: this.ssrc,
          payload,
        }),
      );
      await sleep(20);
    }
    this.ts += 4 * 160;
  }

  private send(port: number, packet: Buffer): void {
    this.socket.send(packet, port, '127.0.0.1');
  }

  /** Packets of a payload type received so far. */
  count(payloadType = 0): number {
    return this.received.filter((p) => p.payloadType === payloadType).length;
  }

  clear(): void {
    this.received.length = 0;
  }

  close(): void {
    this.socket.close();
  }
}

/** The port of the first audio m= line. */
export function sdpPort(sdp: string): number {
  const m = /^m=audio (\d+) /m.exec(sdp);
  if (!m) throw new Error(`no audio port in SDP:\n${sdp}`);
  return Number(m[1]);
}
