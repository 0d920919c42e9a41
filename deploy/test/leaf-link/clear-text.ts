/**
 * Decides whether a captured leafnode link carried NATS protocol in clear text. A TLS link on
 * nats-server 2.9 shows exactly one clear-text line per connection: the hub's `INFO {...}` with
 * `"tls_required":true`, sent before the TLS upgrade (2.10's `handshake_first` removes it). Every
 * other byte must be a well-formed TLS record.
 */
import type { TcpFlow } from './pcap.ts';

/** Strings that only appear when NATS protocol, subjects or payloads travel in clear text. */
export function clearTextNeedles(extra: readonly string[] = []): string[] {
  return [
    'CONNECT {',
    'PING\r\n',
    'PONG\r\n',
    'LS+ ',
    'LMSG ',
    'PUB ',
    'MSG ',
    '$JS.',
    '$KV.',
    '_INBOX.',
    ...extra,
  ];
}

export interface LinkVerdict {
  /** Needles found anywhere on the link (besides the INFO line). */
  found: string[];
  /** Flows whose bytes after the INFO line are not all TLS records (key and why). */
  notTls: string[];
  /** The clear-text INFO lines seen (one per connection from the hub). */
  infos: string[];
}

/** TLS record content types: change_cipher_spec, alert, handshake, application_data. */
const TLS_TYPES = new Set([20, 21, 22, 23]);

function tlsProblem(b: Buffer): string | undefined {
  let o = 0;
  while (o < b.length) {
    if (o + 5 > b.length) return undefined; // capture ended inside a record header
    const type = b[o]!;
    const major = b[o + 1]!;
    const len = b.readUInt16BE(o + 3);
    if (!TLS_TYPES.has(type) || major !== 3 || len > 18432)
      return `byte ${o}: ${JSON.stringify(b.subarray(o, o + 24).toString('latin1'))} is not a TLS record`;
    o += 5 + len;
  }
  return undefined;
}

/** Judges the flows of a capture of the hub's leafnode port `hubPort`. */
export function judgeLink(
  flows: readonly TcpFlow[],
  hubPort: number,
  needles: readonly string[],
): LinkVerdict {
  const verdict: LinkVerdict = { found: [], notTls: [], infos: [] };
  for (const f of flows) {
    let rest = f.bytes;
    if (f.srcPort === hubPort && rest.subarray(0, 5).toString('latin1') === 'INFO ') {
      const end = rest.indexOf('\r\n');
      verdict.infos.push(rest.subarray(0, end < 0 ? rest.length : end).toString('utf8'));
      rest = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 2);
    }
    for (const n of needles) if (rest.includes(n) && !verdict.found.includes(n)) verdict.found.push(n);
    const problem = tlsProblem(rest);
    if (problem) verdict.notTls.push(`${f.key} ${problem}`);
  }
  return verdict;
}
