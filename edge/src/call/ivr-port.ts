/**
 * The IVR's view of a call (IvrCallPort) on top of the call's media session and digit buffer:
 * prompts are played by rtpengine to the caller, digits come from RFC 4733 (rtpengine's DTMF log)
 * and SIP INFO. Voicemail connects the caller to the edge's own RTP receiver (a new rtpengine
 * branch) and records until '#', the time limit or the caller's hang-up, then stores the message.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '@hcc/proto';
import type { Clock, Logger } from '@hcc/shared';
import type { IvrCallPort, PromptRef } from '../ivr/index.ts';
import type { MediaSession } from '../media/index.ts';
import { type DigitBuffer, sleepOn } from './digits.ts';
import type { VoicemailCapture } from './types.ts';

export interface IvrPortDeps {
  interactionId: string;
  channel: Channel;
  media: MediaSession;
  digits: DigitBuffer;
  clock: Clock;
  promptsDir: string;
  log: Logger;
  /** Starts receiving a voicemail message; absent: the message is waited for but not stored. */
  voicemail?: (o: { mailboxId: string; maxSeconds: number }) => Promise<VoicemailCapture>;
}

/** Length of a PCM16 mono 8 kHz WAV from its size, when rtpengine does not report one. */
async function wavDurationMs(file: string): Promise<number> {
  const s = await stat(file).catch(() => undefined);
  return s ? Math.max(0, Math.round(((s.size - 44) / 16000) * 1000)) : 0;
}

export class CallIvrPort implements IvrCallPort {
  readonly interactionId: string;
  readonly channel: Channel;

  constructor(private readonly d: IvrPortDeps) {
    this.interactionId = d.interactionId;
    this.channel = d.channel;
  }

  promptPath(prompt: PromptRef): string {
    return join(this.d.promptsDir, prompt.path);
  }

  async play(prompt: PromptRef, opts: { signal: AbortSignal; bargeIn: boolean }): Promise<void> {
    const { media, digits, clock } = this.d;
    opts.signal.throwIfAborted();
    const file = this.promptPath(prompt);
    digits.mode = opts.bargeIn ? 'buffer' : 'discard';
    if (!opts.bargeIn) digits.clear();
    let interrupted = false;
    try {
      const r = await media.playPrompt(file);
      const ms = r.durationMs ?? (await wavDurationMs(file));
      if (!opts.bargeIn) {
        await sleepOn(clock, ms, opts.signal);
        return;
      }
      // Barge-in: the first digit ends the prompt and stays buffered for collectDigits.
      const digit = await digits.next(ms, opts.signal);
      if (digit) {
        interrupted = true;
        digits.putBack(digit);
      }
    } finally {
      digits.mode = 'buffer';
      if (interrupted || opts.signal.aborted)
        await media
          .stopPrompt()
          .catch((err: unknown) => this.d.log.debug({ err: String(err) }, 'stop prompt'));
    }
  }

  async collectDigits(opts: {
    max: number;
    timeoutMs: number;
    interDigitMs: number;
    signal: AbortSignal;
  }): Promise<string> {
    let out = '';
    while (out.length < opts.max) {
      const d = await this.d.digits.next(out ? opts.interDigitMs : opts.timeoutMs, opts.signal);
      if (!d) break;
      out += d;
    }
    return out;
  }

  async recordVoicemail(opts: {
    mailboxId: string;
    maxSeconds: number;
    signal: AbortSignal;
  }): Promise<{ durationMs: number }> {
    const capture = opts.signal.aborted ? undefined : await this.connectVoicemail(opts);
    const started = this.d.clock.now();
    const deadline = started + opts.maxSeconds * 1000;
    try {
      for (;;) {
        const left = deadline - this.d.clock.now();
        if (left <= 0) break;
        const d = await this.d.digits.next(left, opts.signal);
        if (d === '#' || d === '') break;
      }
    } catch (err) {
      if (!opts.signal.aborted) {
        await capture?.discard();
        throw err;
      }
    }
    const elapsed = this.d.clock.now() - started;
    if (!capture) return { durationMs: elapsed };
    // The caller hanging up ends the message: it is stored all the same.
    try {
      return await capture.finish();
    } catch (err) {
      // Only the name: a database error's text quotes its parameters.
      this.d.log.error({ err: (err as Error).name, mailbox: opts.mailboxId }, 'voicemail not stored');
      return { durationMs: elapsed };
    }
  }

  /** A new branch from the caller to the voicemail receiver; undefined when it cannot be had. */
  private async connectVoicemail(opts: { mailboxId: string; maxSeconds: number }) {
    const start = this.d.voicemail;
    if (!start) return undefined;
    let capture: VoicemailCapture | undefined;
    try {
      capture = await start({ mailboxId: opts.mailboxId, maxSeconds: opts.maxSeconds });
      const { sdp } = await this.d.media.connectBranch({ webrtc: false });
      await this.d.media.answerBranch(capture.answer(sdp));
      return capture;
    } catch (err) {
      this.d.log.error({ err: (err as Error).name, mailbox: opts.mailboxId }, 'voicemail not recorded');
      await capture?.discard();
      return undefined;
    }
  }
}
