import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeG711, encodeG711, linearToAlaw } from './g711.ts';
import { G711PromptCache } from './prompt-cache.ts';
import { pcm16Wav } from './wav.ts';

describe('G.711 encoding', () => {
  it('round-trips PCM16 within the quantization step of each segment', () => {
    const samples = Int16Array.from({ length: 2000 }, (_, i) => Math.round(30000 * Math.sin(i / 7)));
    for (const law of ['alaw', 'ulaw'] as const) {
      const back = decodeG711(law, encodeG711(law, samples));
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i]!;
        expect(Math.abs(back[i]! - s)).toBeLessThanOrEqual(Math.max(16, Math.abs(s) / 16));
      }
    }
  });

  it('encodes A-law reference points (ITU-T G.711: 0 -> 0xd5, -1 -> 0x55, full scale -> 0xaa/0x2a)', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-8)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });
});

describe('G711PromptCache', () => {
  let dir: string;
  let src: string;
  const samples = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcc-prompt-cache-'));
    src = join(dir, 'welcome.wav');
    await writeFile(src, pcm16Wav([samples], 8000));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes an A-law WAV once and plays the same file for every call', async () => {
    const cache = new G711PromptCache({ dir: join(dir, 'cache') });
    const [a, b] = await Promise.all([cache.forCodec(src, 'PCMA'), cache.forCodec(src, 'PCMA')]);
    expect(a).toBe(b);
    expect(a).not.toBe(src);
    const wav = await readFile(a);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt16LE(20)).toBe(6); // WAVE_FORMAT_ALAW
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.toString('ascii', 50, 54)).toBe('data');
    expect(wav.readUInt32LE(54)).toBe(samples.length);
    expect(Buffer.from(wav.subarray(58, 58 + 16))).toEqual(
      Buffer.from(encodeG711('alaw', samples.subarray(0, 16))),
    );
    const u = await cache.forCodec(src, 'pcmu');
    expect((await readFile(u)).readUInt16LE(20)).toBe(7); // WAVE_FORMAT_MULAW
  });

  it('plays the original for other codecs, missing files and unsupported formats', async () => {
    const cache = new G711PromptCache({ dir: join(dir, 'cache2') });
    expect(await cache.forCodec(src, 'opus')).toBe(src);
    const missing = join(dir, 'nope.wav');
    expect(await cache.forCodec(missing, 'PCMA')).toBe(missing);
    const wide = join(dir, 'wide.wav');
    await writeFile(wide, pcm16Wav([samples], 16000));
    expect(await cache.forCodec(wide, 'PCMA')).toBe(wide);
    const junk = join(dir, 'junk.wav');
    await writeFile(junk, 'not a wav');
    expect(await cache.forCodec(junk, 'PCMU')).toBe(junk);
    expect(await stat(join(dir, 'cache2')).catch(() => undefined)).toBeUndefined();
  });

  it('converts a changed prompt again once its stat is older than statTtlMs', async () => {
    let now = 0;
    const cache = new G711PromptCache({ dir: join(dir, 'cache3'), statTtlMs: 1000, now: () => now });
    const p = join(dir, 'menu.wav');
    await writeFile(p, pcm16Wav([samples.subarray(0, 800)], 8000));
    const first = await cache.forCodec(p, 'PCMA');
    await writeFile(p, pcm16Wav([samples.subarray(0, 1600)], 8000));
    now = 999;
    expect(await cache.forCodec(p, 'PCMA')).toBe(first); // the stat is still fresh
    now = 1000;
    const second = await cache.forCodec(p, 'PCMA');
    expect(second).not.toBe(first);
    expect((await readFile(second)).readUInt32LE(54)).toBe(1600);
  });
});
