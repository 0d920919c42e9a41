/**
 * Prompts in the caller's codec. rtpengine 10.5 opens, decodes and re-encodes a prompt file on every
 * `play media` (it has no media cache): with the demo's 8 kHz PCM16 WAVs that is about 2 of its 6 CPU-ms
 * per full-flow call. For G.711 callers this cache writes each prompt once as an A-law or µ-law WAV
 * (format 6/7, the same samples) and hands rtpengine that file instead, which it plays at a fraction of
 * the cost. Any other codec or source format, or a failure, plays the original file.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@hcc/shared';
import { encodeG711, type G711Law } from './g711.ts';
import { readPcm16Wav } from './wav.ts';

/** What a media session asks for a prompt: the file to play to a caller using `encoding`. */
export interface PromptFiles {
  forCodec(file: string, encoding: string): Promise<string>;
}

const LAWS: Record<string, G711Law> = { PCMA: 'alaw', PCMU: 'ulaw' };

export class G711PromptCache implements PromptFiles {
  private readonly dir: string;
  private readonly log: Logger;
  /** `law:file:mtime:size` -> the file to play (a changed prompt gets a new entry). */
  private readonly files = new Map<string, Promise<string>>();
  /**
   * `file` -> its last stat (`mtime:size`, or undefined when not a file) and when it was taken. A `stat` per
   * `play media` was about a sixth of the edge's CPU per full-flow call; a prompt changed on disk is seen
   * within `statTtlMs`.
   */
  private readonly stats = new Map<string, { at: number; version: Promise<string | undefined> }>();
  private readonly statTtlMs: number;
  private readonly now: () => number;

  constructor(opts: { dir: string; logger?: Logger; statTtlMs?: number; now?: () => number }) {
    this.dir = opts.dir;
    this.log = opts.logger ?? silentLogger;
    this.statTtlMs = opts.statTtlMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  async forCodec(file: string, encoding: string): Promise<string> {
    const law = LAWS[encoding.toUpperCase()];
    if (!law) return file;
    const version = await this.version(file);
    if (version === undefined) return file; // rtpengine reports the missing file as before
    const key = `${law}:${file}:${version}`;
    let out = this.files.get(key);
    if (!out) {
      out = this.convert(file, law, key).catch((err: unknown) => {
        this.log.warn({ err: String(err), law }, 'prompt not converted: rtpengine transcodes it');
        return file;
      });
      this.files.set(key, out);
    }
    return out;
  }

  /** `mtime:size` of the file (undefined: missing or not a file), re-read at most every `statTtlMs`. */
  private version(file: string): Promise<string | undefined> {
    const now = this.now();
    const hit = this.stats.get(file);
    if (hit && now - hit.at < this.statTtlMs) return hit.version;
    const version = stat(file).then(
      (st) => (st.isFile() ? `${st.mtimeMs}:${st.size}` : undefined),
      () => undefined,
    );
    this.stats.set(file, { at: now, version });
    return version;
  }

  private async convert(file: string, law: G711Law, key: string): Promise<string> {
    const name = `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.${law}.wav`;
    const target = join(this.dir, name);
    if (
      await stat(target).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return target;
    const wav = readPcm16Wav(await readFile(file));
    if (wav.sampleRate !== 8000 || wav.channels.length !== 1)
      throw new RangeError(`not 8 kHz mono (${wav.sampleRate} Hz, ${wav.channels.length} channels)`);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, g711Wav(law, encodeG711(law, wav.channels[0]!)));
    await rename(tmp, target);
    return target;
  }
}

/** A mono 8 kHz G.711 WAV: `fmt ` (format 6 A-law / 7 µ-law, 18 bytes), `fact`, `data`. */
export function g711Wav(law: G711Law, data: Uint8Array): Buffer {
  const buf = Buffer.alloc(58 + data.length + (data.length & 1));
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(buf.length - 8, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(18, 16);
  buf.writeUInt16LE(law === 'alaw' ? 6 : 7, 20);
  buf.writeUInt16LE(1, 22); // channels
  buf.writeUInt32LE(8000, 24); // sample rate
  buf.writeUInt32LE(8000, 28); // byte rate
  buf.writeUInt16LE(1, 32); // block align
  buf.writeUInt16LE(8, 34); // bits per sample
  buf.writeUInt16LE(0, 36); // cbSize
  buf.write('fact', 38, 'ascii');
  buf.writeUInt32LE(4, 42);
  buf.writeUInt32LE(data.length, 46);
  buf.write('data', 50, 'ascii');
  buf.writeUInt32LE(data.length, 54);
  buf.set(data, 58);
  return buf;
}
