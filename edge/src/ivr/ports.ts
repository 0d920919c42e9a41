/**
 * What the IVR needs from the world, as ports the call session implements: the caller's media
 * (prompts, digits, a recorder) and the site-local customer data. The caller's number is PII: it
 * only ever crosses `CustomerLookup` on the edge and is never logged or put into an event.
 */
import type { Channel, HangupCause } from '@hcc/proto';

/** A prompt resolved to one file for the interaction's language. */
export interface PromptRef {
  promptId: string;
  /** Path relative to the edge's prompt directory, e.g. "en-US/main-menu.wav". */
  path: string;
  language: string;
}

/**
 * The call as the IVR sees it. Every method rejects with the signal's reason when the signal is
 * aborted (the caller hung up or the flow was cancelled); the port stops any playback first.
 */
export interface IvrCallPort {
  readonly interactionId: string;
  readonly channel: Channel;
  /**
   * Plays one prompt to the caller and resolves when it has finished. With `bargeIn`, a digit
   * ends the prompt early and stays buffered for the next `collectDigits`; without it, digits
   * pressed during the prompt are discarded.
   */
  play(prompt: PromptRef, opts: { signal: AbortSignal; bargeIn: boolean }): Promise<void>;
  /**
   * Collects up to `max` DTMF digits (buffered barge-in digits first). Resolves with what was
   * collected: '' when nothing came within `timeoutMs`, fewer than `max` digits when the gap
   * after a digit exceeded `interDigitMs`.
   */
  collectDigits(opts: {
    max: number;
    timeoutMs: number;
    interDigitMs: number;
    signal: AbortSignal;
  }): Promise<string>;
  /** Records a message for a mailbox after the greeting; resolves when the caller stops or hangs up. */
  recordVoicemail(opts: {
    mailboxId: string;
    maxSeconds: number;
    signal: AbortSignal;
  }): Promise<{ durationMs: number }>;
}

/** Caller attributes from the site's customer data, e.g. `{ vip_tier: 'gold', language: 'nl-NL' }`. */
export type CallerAttributes = Readonly<Record<string, string>>;

/** The site-local customer directory, looked up by the caller's E.164 number. */
export interface CustomerLookup {
  attributes(callerNumber: string, opts: { signal: AbortSignal }): Promise<CallerAttributes>;
}

/** The caller as known to the edge. `number` is PII: pass it to the lookup, never to a log. */
export interface CallerIdentity {
  /** Normalised E.164; undefined when withheld. */
  number: string | undefined;
}

/** How a flow run ended: the call session acts on it. */
export type IvrOutcome =
  | { kind: 'enqueue'; queueId: string; priority: number }
  | { kind: 'transfer'; target: TransferTarget }
  | { kind: 'voicemail'; mailboxId: string; durationMs: number }
  | { kind: 'hangup'; cause: HangupCause }
  /** The caller hung up (or the run was cancelled) at this node. */
  | { kind: 'abandoned'; flowId: string; nodeId: string };

export type TransferTarget =
  | { kind: 'agent'; agentId: string }
  | { kind: 'queue'; queueId: string; priority: number }
  /** `number` is PII (an outside party): hand it to the SIP layer only. */
  | { kind: 'external'; number: string; trunkId: string };
