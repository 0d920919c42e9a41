/**
 * After a recorded call: waits for rtpengine to close the call's pcap, converts it into the stereo
 * WAV (caller left, agent right) under the edge data dir, indexes it with SHA-256 and duration,
 * and removes the spool files.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@hcc/shared';
import type { CallStore, RecordingSink, VoicemailCapture } from '../call/index.ts';
import { convertRecording, findRecording, type RecordingResult } from '../media/index.ts';
import { startVoicemail, type VoicemailStart } from './voicemail.ts';

export interface ArchiveOptions {
  /** rtpengine's --recording-dir. */
  spoolDir: string;
  /** Where WAVs are kept: <dataDir>/recordings/YYYY-MM-DD/<interaction>.wav */
  dataDir: string;
  store: Pick<CallStore, 'writeRecording'>;
  clock: Clock;
  /** How long to wait for rtpengine to finish the pcap. Default 15 s. */
  waitMs?: number;
  /** Where rtpengine sends a voicemail caller's audio (voicemail.ts). Default 127.0.0.1. */
  rtpHost?: string;
}

export class RecordingArchive implements RecordingSink {
  constructor(private readonly o: ArchiveOptions) {}

  /** Starts receiving a voicemail message (RecordingSink). */
  startVoicemail(v: VoicemailStart): Promise<VoicemailCapture> {
    return startVoicemail({ ...this.o, rtpHost: this.o.rtpHost ?? '127.0.0.1' }, v);
  }

  async archive(a: { interactionId: string; startedAt: number; log: Logger }): Promise<void> {
    const files = await this.waitForPcap(a.interactionId);
    if (!files) {
      a.log.error({}, 'recording not found in the spool');
      return;
    }
    const day = new Date(a.startedAt).toISOString().slice(0, 10);
    const dir = join(this.o.dataDir, 'recordings', day);
    await mkdir(dir, { recursive: true });
    const r: RecordingResult = await convertRecording({
      pcapPath: files.pcapPath,
      metadataPath: files.metadataPath,
      wavPath: join(dir, `${a.interactionId}.wav`),
    });
    await this.o.store.writeRecording({
      interactionId: a.interactionId,
      path: r.wavPath,
      sha256: r.sha256,
      durationMs: Math.round(r.durationMs),
      bytes: r.bytes,
    });
    await Promise.all([rm(files.pcapPath, { force: true }), rm(files.metadataPath, { force: true })]);
    a.log.info({ duration_ms: Math.round(r.durationMs), bytes: r.bytes }, 'recording archived');
  }

  private async waitForPcap(callId: string) {
    const deadline = this.o.clock.now() + (this.o.waitMs ?? 15_000);
    for (;;) {
      const f = await findRecording(this.o.spoolDir, callId);
      if (f || this.o.clock.now() > deadline) return f;
      await new Promise<void>((r) => this.o.clock.setTimeout(r, 100));
    }
  }
}
