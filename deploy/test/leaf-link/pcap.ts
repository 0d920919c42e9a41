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

interface TcpPacket {
  key: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  payload: Buffer;
}

const LINK_HEADER: Record<number, number> = { 1: 14, 113: 16, 276: 20, 0: 4 };

/** Every IPv4 TCP packet of the file, in capture order (a packet cut short at the end is skipped). */
function* tcpPackets(file: string): Generator<TcpPacket> {
  const buf = readFileSync(file);
  if (buf.length < 24) return; // tcpdump has not written its header yet
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error(`${file}: not a classic pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const linkLen = LINK_HEADER[linkType];
  if (linkLen === undefined) throw new Error(`${file}: unsupported link type ${linkType}`);
  let off = 24;
  while (off + 16 <= buf.length) {
    const capLen = u32(off + 8);
    if (off + 16 + capLen > buf.length) return;
    const pkt = buf.subarray(off + 16, off + 16 + capLen);
    off += 16 + capLen;
    const ip = pkt.subarray(linkLen);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue; // IPv4 + TCP only
    const ihl = (ip[0]! & 0x0f) * 4;
    const tcp = ip.subarray(ihl, ip.readUInt16BE(2));
    if (tcp.length < 20) continue;
    const srcPort = tcp.readUInt16BE(0);
    const dstPort = tcp.readUInt16BE(2);
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    yield {
      key: `${src}:${srcPort}>${dst}:${dstPort}`,
      srcPort,
      dstPort,
      seq: tcp.readUInt32BE(4),
      payload: tcp.subarray((tcp[12]! >> 4) * 4),
    };
  }
}

/** The TCP ports seen in the file so far (either end of any packet). */
export function capturedPorts(file: string): Set<number> {
  const ports = new Set<number>();
  for (const p of tcpPackets(file)) ports.add(p.srcPort).add(p.dstPort);
  return ports;
}

export function readTcpFlows(file: string): TcpFlow[] {
  const flows = new Map<string, { srcPort: number; dstPort: number; parts: Map<number, Buffer> }>();
  for (const p of tcpPackets(file)) {
    if (p.payload.length === 0) continue;
    const flow = flows.get(p.key) ?? {
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      parts: new Map<number, Buffer>(),
    };
    flows.set(p.key, flow);
    // A retransmission keeps the first copy.
    if (!flow.parts.has(p.seq)) flow.parts.set(p.seq, Buffer.from(p.payload));
  }
  return [...flows].map(([key, f]) => {
    const ordered = [...f.parts].sort(([a], [b]) => a - b).map(([, b]) => b);
    return { key, srcPort: f.srcPort, dstPort: f.dstPort, bytes: Buffer.concat(ordered) };
  });
}
