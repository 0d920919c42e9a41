/**
 * The hub's `Nats-Stream-Source` header of a JetStream message: the only thing that attributes an
 * event or heartbeat to a site. Only a message with exactly ONE such line is attributed: a rogue leaf
 * can publish its own copies of the header, and nats-server 2.9.10 appends the hub's value after them
 * and strips at most one (a normal leaf -> site stream -> aggregate chain leaves exactly one).
 */
import { names } from '@hcc/shared';
import type { JsMsg } from '@nats-io/jetstream';

const SOURCE_LINE = Buffer.from(`\r\n${names.STREAM_SOURCE_HEADER}:`);

/**
 * The header's value, read from the raw header block: the client decodes every header of a message
 * into a map on first access, a measurable share of ingest CPU for the one value we need. Falls back
 * to that decoding when the block is not where this client version keeps it or the line is spelled
 * otherwise. Undefined when absent or present more than once.
 */
export function streamSource(m: JsMsg): string | undefined {
  const raw = (m as unknown as { msg?: { _rdata?: unknown; _msg?: { hdr?: unknown } } }).msg;
  const data = raw?._rdata;
  const hdr = raw?._msg?.hdr;
  if (!(data instanceof Uint8Array) || typeof hdr !== 'number') return decodedSource(m);
  if (hdr < 0) return undefined; // no headers
  const end = Math.min(hdr, data.byteLength);
  const from = indexOf(data, SOURCE_LINE, 0, end);
  if (from < 0) return decodedSource(m);
  if (indexOf(data, SOURCE_LINE, from + SOURCE_LINE.length, end) >= 0) return undefined; // forged copies
  let stop = from + SOURCE_LINE.length;
  while (stop < end && data[stop] !== 13) stop++;
  const value = Buffer.from(data.buffer, data.byteOffset, end).toString(
    'utf8',
    from + SOURCE_LINE.length,
    stop,
  );
  return value.trim() || undefined;
}

/** The header through the client's decoding, when it has exactly one value. */
function decodedSource(m: JsMsg): string | undefined {
  const values = m.headers?.values(names.STREAM_SOURCE_HEADER) ?? [];
  return values.length === 1 ? values[0]!.trim() || undefined : undefined;
}

/** First index of `needle` in `hay[start, end)` (a plain loop: the header block is ~100 bytes). */
function indexOf(hay: Uint8Array, needle: Uint8Array, start: number, end: number): number {
  const first = needle[0];
  outer: for (let i = start; i + needle.length <= end; i++) {
    if (hay[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
