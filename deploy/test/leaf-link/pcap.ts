/**
 * Reads a classic pcap file (what `tcpdump -w` writes) and reassembles the TCP payload of each
 * direction of each IPv4 connection, in sequence order. Enough for loopback captures in tests.
 */
import { readFileSync } from 'node:fs';

/** One direction of one TCP connection: `src:port>dst:port` and its payload bytes in order. */
export interface TcpFlow {
  key: string;
  srcPort: number;
  dstPort: number;
  bytes: Buffer;
}

const LINK_HEADER: Record<number, number> = { 1: 14, 113: 16, 276: 20, 0: 4 };

export function readTcpFlows(file: string): TcpFlow[] {
  const buf = readFileSync(file);
  if (buf.length < 24) throw new Error(`${file}: not a pcap file (${buf.length} bytes)`);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error(`${file}: not a classic pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const linkLen = LINK_HEADER[linkType];
  if (linkLen === undefined) throw new Error(`${file}: unsupported link type ${linkType}`);
  const segments = new Map<string, { srcPort: number; dstPort: number; parts: Map<number, Buffer> }>();
  let off = 24;
  while (off + 16 <= buf.length) {
    const capLen = u32(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + capLen);
    off += 16 + capLen;
    const ip = pkt.subarray(linkLen);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue; // IPv4 + TCP only
    const ihl = (ip[0]! & 0x0f) * 4;
    const totalLen = ip.readUInt16BE(2);
    const tcp = ip.subarray(ihl, totalLen);
    if (tcp.length < 20) continue;
    const srcPort = tcp.readUInt16BE(0);
    const dstPort = tcp.readUInt16BE(2);
    const seq = tcp.readUInt32BE(4);
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    if (payload.length === 0) continue;
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    const key = `${src}:${srcPort}>${dst}:${dstPort}`;
    const flow = segments.get(key) ?? { srcPort, dstPort, parts: new Map<number, Buffer>() };
    segments.set(key, flow);
    if (!flow.parts.has(seq)) flow.parts.set(seq, Buffer.from(payload)); // a retransmission keeps the first
  }
  return [...segments].map(([key, f]) => {
    const ordered = [...f.parts].sort(([a], [b]) => a - b).map(([, b]) => b);
    return { key, srcPort: f.srcPort, dstPort: f.dstPort, bytes: Buffer.concat(ordered) };
  });
}
