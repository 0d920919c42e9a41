/**
 * The IVR's view of a call (IvrCallPort) on top of the call's media session and digit buffer:
 * prompts are played by rtpengine to the caller, digits come from RFC 4733 (rtpengine's DTMF log)
 * and SIP INFO. Voicemail waits for '#', the time limit or the caller's hang-up (the audio itself
 * is in the call's pcap when the call is recorded; there is no separate voicemail recorder yet).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '@hcc/proto';
import type { Clock, Logger } from '@hcc/shared';
import type { IvrCallPort, PromptRef } from '../ivr/index.ts';
import type { MediaSession } from '../media/index.ts';
import { type DigitBuffer, sleepOn } from './digits.ts';

export interface IvrPortDeps {
  interactionId: string;
  channel: Channel;
  media: MediaSession;
  digits: DigitBuffer;
  clock: Clock;
  promptsDir: string;
  log: Logger;
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
      if (!opts.signal.aborted) throw err;
    }
    return { durationMs: this.d.clock.now() - started };
  }
}
