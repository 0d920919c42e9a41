/**
 * Reads classic libpcap files (not pcapng) and extracts IPv4/UDP datagrams. Handles both byte orders,
 * micro- and nanosecond timestamps, and the link types rtpengine writes (raw IP, or Ethernet with
 * `--recording-format=eth`), plus Linux cooked capture.
 */
import { RecordingError } from './errors.ts';

export interface UdpDatagram {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  payload: Buffer;
}

export interface PcapContents {
  linkType: number;
  datagrams: UdpDatagram[];
  /** Records that were not IPv4/UDP or were truncated. */
  skipped: number;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;

export function readPcap(buf: Buffer): PcapContents {
  if (buf.length < 24) throw new RecordingError('pcap shorter than its global header');
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = true;
    nano = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    le = false;
    nano = magic === 0x4d3cb2a1;
  } else {
    throw new RecordingError(`not a pcap file (magic 0x${magic.toString(16)})`);
  }
  const u32 = (off: number) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const linkType = u32(20) & 0x0fffffff;
  const datagrams: UdpDatagram[] = [];
  let skipped = 0;
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    off += 16;
    if (off + inclLen > buf.length) {
      skipped++; // truncated last record (file still being written)
      break;
    }
    const frame = buf.subarray(off, off + inclLen);
    off += inclLen;
    const ip = ipPayload(frame, linkType);
    const d = ip && udpInIpv4(ip, sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac));
    if (d) datagrams.push(d);
    else skipped++;
  }
  return { linkType, datagrams, skipped };
}

function ipPayload(frame: Buffer, linkType: number): Buffer | undefined {
  switch (linkType) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
      return frame;
    case LINKTYPE_ETHERNET: {
      if (frame.length < 14) return undefined;
      let type = frame.readUInt16BE(12);
      let off = 14;
      if (type === 0x8100 && frame.length >= 18) {
        type = frame.readUInt16BE(16);
        off = 18;
      }
      return type === 0x0800 ? frame.subarray(off) : undefined;
    }
    case LINKTYPE_LINUX_SLL:
      if (frame.length < 16 || frame.readUInt16BE(14) !== 0x0800) return undefined;
      return frame.subarray(16);
    default:
      throw new RecordingError(`unsupported pcap link type ${linkType}`);
  }
}

function udpInIpv4(ip: Buffer, timeUs: number): UdpDatagram | undefined {
  if (ip.length < 20 || ip[0]! >> 4 !== 4) return undefined;
  const ihl = (ip[0]! & 0x0f) * 4;
  if (ihl < 20 || ip[9] !== 17) return undefined;
  const fragment = ip.readUInt16BE(6) & 0x3fff; // MF flag or offset: not a whole datagram
  if (fragment !== 0) return undefined;
  const totalLen = Math.min(ip.readUInt16BE(2) || ip.length, ip.length);
  if (totalLen < ihl + 8) return undefined;
  const udp = ip.subarray(ihl, totalLen);
  const udpLen = Math.min(udp.readUInt16BE(4) || udp.length, udp.length);
  if (udpLen < 8) return undefined;
  return {
    timeUs,
    srcIp: ipv4(ip, 12),
    dstIp: ipv4(ip, 16),
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payload: udp.subarray(8, udpLen),
  };
}

function ipv4(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}
