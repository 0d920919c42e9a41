/**
 * The published bytes of a row: its payload (an Event without seq) followed by Event.seq (field 4,
 * varint). Protobuf takes the last value of a scalar field, so this equals encoding the Event with
 * its seq set, and it is the same bytes on every re-send.
 */
export function withSeq(payload: Uint8Array, seq: number): Uint8Array {
  // Varint of a safe integer with number arithmetic (no BigInt per message): at most 8 bytes.
  let len = 1;
  for (let v = seq; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  const out = new Uint8Array(payload.length + 1 + len);
  out.set(payload);
  let i = payload.length;
  out[i++] = 0x20;
  let v = seq;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i] = v;
  return out;
}
