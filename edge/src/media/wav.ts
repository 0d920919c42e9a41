/** RIFF/WAVE writing for PCM16, interleaving channels. */

export function pcm16Wav(channels: Int16Array[], sampleRate: number): Buffer {
  const n = channels.length;
  const frames = Math.max(0, ...channels.map((c) => c.length));
  const dataLen = frames * n * 2;
  const buf = Buffer.alloc(44 + dataLen);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataLen, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(n, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * n * 2, 28);
  buf.writeUInt16LE(n * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataLen, 40);
  let off = 44;
  for (let i = 0; i < frames; i++) {
    for (const c of channels) {
      buf.writeInt16LE(c[i] ?? 0, off);
      off += 2;
    }
  }
  return buf;
}

/** Reads a PCM16 WAV back into channels (first `fmt ` and `data` chunks). */
export function readPcm16Wav(buf: Buffer): { sampleRate: number; channels: Int16Array[] } {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new RangeError('not a WAV file');
  }
  let off = 12;
  let n = 0;
  let sampleRate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (buf.readUInt16LE(body) !== 1 || buf.readUInt16LE(body + 14) !== 16)
        throw new RangeError('not PCM16');
      n = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (n === 0) throw new RangeError('data before fmt');
      const frames = Math.floor(Math.min(len, buf.length - body) / (2 * n));
      const channels = Array.from({ length: n }, () => new Int16Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < n; c++) channels[c]![i] = buf.readInt16LE(body + (i * n + c) * 2);
      }
      return { sampleRate, channels };
    }
    off = body + len + (len & 1);
  }
  throw new RangeError('WAV has no data chunk');
}
