/** RTP (RFC 3550) header parsing and building, for recordings and test endpoints. */

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Parses an RTP packet; undefined for RTCP, wrong version or truncation. */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const pt = buf[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return undefined; // RTCP SR/RR/SDES/BYE/APP sharing a muxed port
  const cc = buf[0]! & 0x0f;
  let off = 12 + cc * 4;
  if (buf[0]! & 0x10) {
    if (buf.length < off + 4) return undefined;
    off += 4 + buf.readUInt16BE(off + 2) * 4;
  }
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (off > end) return undefined;
  return {
    payloadType: pt,
    marker: (buf[1]! & 0x80) !== 0,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(off, end),
  };
}

export function buildRtp(p: Omit<RtpPacket, 'marker'> & { marker?: boolean }): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (p.payloadType & 0x7f) | (p.marker ? 0x80 : 0);
  h.writeUInt16BE(p.sequence & 0xffff, 2);
  h.writeUInt32BE(p.timestamp >>> 0, 4);
  h.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([h, p.payload]);
}
