/**
 * Voicemail messages: the caller's audio is received on a local RTP socket (rtp-sink.ts) while the
 * message is left, then written as a mono 8 kHz WAV under <dataDir>/voicemail/YYYY-MM-DD/ and
 * indexed in `recordings` with kind 'voicemail', the mailbox, duration and SHA-256 (the retention
 * job deletes it with the call recordings).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@hcc/shared';
import type { CallStore, VoicemailCapture } from '../call/index.ts';
import { pcm16Wav } from '../media/index.ts';
import { RATE, RtpSink } from './rtp-sink.ts';

export interface VoicemailOptions {
  dataDir: string;
  store: Pick<CallStore, 'writeRecording'>;
  clock: Clock;
  /** Address rtpengine sends the caller's audio to (the edge's side of the media network). */
  rtpHost: string;
}

export interface VoicemailStart {
  interactionId: string;
  mailboxId: string;
  startedAt: number;
  maxSeconds: number;
  log: Logger;
}

export async function startVoicemail(o: VoicemailOptions, v: VoicemailStart): Promise<VoicemailCapture> {
  const sink = await RtpSink.open({ host: o.rtpHost, clock: o.clock, maxSeconds: v.maxSeconds });
  return {
    answer: (offerSdp) => sink.answer(offerSdp),
    discard: async () => {
      await sink.close();
    },
    finish: async () => {
      const pcm = await sink.close();
      const durationMs = Math.round((pcm.length / RATE) * 1000);
      if (pcm.length === 0) {
        v.log.warn({ mailbox: v.mailboxId }, 'voicemail without audio: nothing stored');
        return { durationMs };
      }
      const wav = pcm16Wav([pcm], RATE);
      const dir = join(o.dataDir, 'voicemail', new Date(v.startedAt).toISOString().slice(0, 10));
      await mkdir(dir, { recursive: true });
      // One file per message: a flow may reach a mailbox twice in one call.
      const path = join(dir, `${v.interactionId}-${v.startedAt}.wav`);
      await writeFile(path, wav);
      await o.store.writeRecording({
        interactionId: v.interactionId,
        kind: 'voicemail',
        mailboxId: v.mailboxId,
        path,
        sha256: createHash('sha256').update(wav).digest('hex'),
        durationMs,
        bytes: wav.length,
      });
      v.log.info(
        { mailbox: v.mailboxId, duration_ms: durationMs, packets: sink.packets },
        'voicemail stored',
      );
      return { durationMs };
    },
  };
}
