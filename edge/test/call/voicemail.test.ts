/**
 * Voicemail: a SIPp caller sending PCMA reaches a voicemail node; the edge connects the caller to its
 * own RTP receiver, stores the message as a WAV with audio in it, and indexes it (kind voicemail,
 * mailbox, duration, SHA-256); retention deletes it like a call recording.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { FakeClock } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { readPcm16Wav } from '../../src/media/index.ts';
import { runRetention } from '../../src/recording/index.ts';
import type { Harness } from './harness.ts';
import { call, legs, noMediaLeft, oneCdr, withEdge } from './kit.ts';

const flows = [
  {
    id: 'main',
    name: 'Voicemail',
    entryNodeId: 'vm',
    nodes: [{ id: 'vm', kind: { case: 'voicemail', value: { mailboxId: 'general', maxSeconds: 3 } } }],
  },
];
const bundle = { agents: [], extra: { flows } as never };

interface Row {
  interaction_id: string;
  kind: string;
  mailbox_id: string;
  path: string;
  sha256: string;
  duration_ms: number;
  bytes: number;
}

async function message(h: Harness): Promise<{ row: Row; rms: number; seconds: number }> {
  await expect
    .poll(async () => (await h.query(sql`select 1 from recordings`)).length, { timeout: 10_000 })
    .toBe(1);
  const [row] = await h.query<Row>(sql`select * from recordings`);
  const buf = await readFile(row!.path);
  expect(createHash('sha256').update(buf).digest('hex')).toBe(row!.sha256);
  expect((await stat(row!.path)).size).toBe(row!.bytes);
  const wav = readPcm16Wav(buf);
  expect(wav.sampleRate).toBe(8000);
  expect(wav.channels).toHaveLength(1);
  const pcm = wav.channels[0]!;
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return { row: row!, rms: Math.sqrt(sum / Math.max(1, pcm.length)), seconds: pcm.length / 8000 };
}

describe('voicemail', () => {
  it('records until the time limit, the edge hangs up; the WAV holds the audio; retention deletes it', async () => {
    await withEdge('vmlimit', bundle, async (h) => {
      await call(h, [{ audio: true }, { waitBye: true }]);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'VOICEMAIL', ended_by: 'SYSTEM' });
      const m = await message(h);
      expect(m.row).toMatchObject({
        interaction_id: cdr['interaction_id'],
        kind: 'voicemail',
        mailbox_id: 'general',
      });
      // 3 s limit after a 0.3 s greeting; the audio (7 s of speech-like PCMA) fills it.
      expect(m.seconds).toBeGreaterThan(2.5);
      expect(m.seconds).toBeLessThan(3.5);
      expect(Math.abs(m.row.duration_ms - m.seconds * 1000)).toBeLessThan(2);
      expect(m.rms).toBeGreaterThan(300);
      expect((await legs(h)).map((l) => [l.role, l.result])).toEqual([['caller', 'answered']]);
      await noMediaLeft(h);

      const later = new FakeClock(Date.now() + 31 * 86_400_000);
      const r = await runRetention(h.database.db, { recordingDays: 30, cdrDetailDays: 0 }, later);
      expect(r.recordings).toBe(1);
      await expect(stat(m.row.path)).rejects.toThrow();
    });
  });

  it('the caller hangs up after ~2 s: the message up to then is stored', async () => {
    await withEdge('vmhangup', bundle, async (h) => {
      await call(h, [{ audio: true }, { pause: 2000 }, { bye: true }]);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'VOICEMAIL', ended_by: 'CALLER' });
      const m = await message(h);
      expect(m.row.kind).toBe('voicemail');
      expect(m.seconds).toBeGreaterThan(1.2);
      expect(m.seconds).toBeLessThan(2.3);
      expect(m.rms).toBeGreaterThan(300);
      await noMediaLeft(h);
    });
  });
});
