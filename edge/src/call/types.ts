/** Shared shapes of the call layer: the steps a call goes through, its legs and its collaborators. */
import type { ConfigBundle, Disposition, EndedBy, QueueEntry } from '@hcc/proto';
import type { Clock, Logger, Observer } from '@hcc/shared';
import type { AgentRegistry } from '../agent/index.ts';
import type { IvrInterpreter } from '../ivr/index.ts';
import type { DtmfListener, MediaClient, PromptFiles } from '../media/index.ts';
import type { Acd } from '../queue/index.ts';
import type { Dialog, DigestServer, SipStack } from '../sip/index.ts';
import type { LegRecord, LegRole } from './cdr.ts';
import type { ConsultRegistry } from './consult.ts';
import type { AgentBindingStore } from './contacts.ts';
import type { DialGuard } from './dial-guard.ts';
import type { CallEvents } from './events.ts';
import type { CallRegistry } from './registry.ts';
import type { CallSession } from './session.ts';
import type { CallStore } from './store.ts';
import type { TrunkHealthReader } from './trunks/index.ts';

/** Where a call goes next; the session's run loop executes one step after the other. */
export type Step =
  | { kind: 'flow'; flowId: string; nodeId?: string }
  | { kind: 'queue'; queueId: string; priority?: number; entry: QueueEntry; overflowFrom?: string }
  | { kind: 'agent'; agentId: string }
  | { kind: 'external'; number: string; trunkId: string; agentId?: string }
  | { kind: 'end'; disposition: Disposition; endedBy: EndedBy };

/** A SIP leg towards an agent or an outside party, owned by one session. */
export interface PeerLeg {
  role: Exclude<LegRole, 'caller'>;
  agentId: string;
  dialog: Dialog;
  record: LegRecord;
  /** The SDP the edge sent on this leg (the branch offer): the base of hold/resume answers. */
  localSdp: string;
  sdpVersion: number;
  /** Routed by the ACD (its complete() ends the agent's work) or rung directly. */
  viaAcd: boolean;
  /** Set once the agent's work on the call has been ended. */
  workEnded?: boolean;
}

/** Which leg of a session a dialog belongs to. */
export type LegRef = 'caller' | PeerLeg;

/** A place to get a media client per call (RtpenginePool satisfies it). */
export interface MediaPool {
  acquire(callId: string): { id: string; client: MediaClient };
  release(callId: string): void;
}

/** Trunk passwords for outbound digest auth. */
export interface TrunkSecrets {
  password(ref: string): Promise<string | undefined>;
}

/** A voicemail message being received: rtpengine's branch is answered with `answer(offer)`. */
export interface VoicemailCapture {
  answer(offerSdp: string): string;
  /** Stops and stores the message; resolves with the length of the audio received. */
  finish(): Promise<{ durationMs: number }>;
  /** Stops without storing. */
  discard(): Promise<void>;
}

/** What a recorded call hands over after hang-up; where voicemail messages go. */
export interface RecordingSink {
  archive(o: { interactionId: string; startedAt: number; log: Logger }): Promise<void>;
  startVoicemail?(o: {
    interactionId: string;
    mailboxId: string;
    startedAt: number;
    maxSeconds: number;
    log: Logger;
  }): Promise<VoicemailCapture>;
}

/** The long-lived collaborators of every call, built once by the composition root. */
export interface CallServices {
  site: string;
  stack: SipStack;
  /** Host the edge puts in From/Contact of its own requests. */
  sipHost: string;
  media: MediaPool;
  dtmf: DtmfListener | undefined;
  ivr: IvrInterpreter;
  acd: Acd;
  agents: AgentRegistry;
  bindings: AgentBindingStore;
  store: CallStore;
  secrets: TrunkSecrets;
  recordings: RecordingSink | undefined;
  observer: Observer<CallEvents>;
  registry: CallRegistry<CallSession, LegRef>;
  /** Agent-to-agent consultation calls (attended transfer). */
  consults: ConsultRegistry;
  /** The dial policy and caps every call out passes (toll fraud). */
  dial: DialGuard;
  /** Trunk health from OPTIONS pings: calls out try healthy trunks first. Absent: every trunk counts as up. */
  trunkHealth?: TrunkHealthReader;
  /** Digest (407) for INVITEs from agents' phones, i.e. not from a trunk; none: such INVITEs get 403. */
  agentAuth?: DigestServer;
  /**
   * Digest (407, MD5 only) for INVITEs from agents' browsers (From user `web-<agent id>`): JsSIP cannot
   * answer the SHA-256 challenge `agentAuth` offers first. Absent: browsers cannot place internal calls.
   */
  browserAuth?: { digest: DigestServer; agentOf(username: string): string | undefined };
  clock: Clock;
  promptsDir: string;
  /** Prompt files in the caller's codec (G711PromptCache): rtpengine then plays them without transcoding. */
  prompts?: PromptFiles;
  /** RFC 4028 Min-SE of calls from trunks (EDGE_SIP_MIN_SE); default 90. */
  minSessionExpiresS?: number;
  /** Ring timeout of a direct (non-queue) agent call; default 20 s. */
  directRingMs?: number;
  /** How long a queued caller waits before music on hold starts; default 1 s (QUEUE_MUSIC_DELAY_MS). */
  queueMusicDelayMs?: number;
}

/** What the INVITE pipeline found out about a new call. */
export interface CallSetup {
  interactionId: string;
  bundle: ConfigBundle;
  log: Logger;
  trunkId: string;
  didId: string;
  /** E.164 (PII: CDR and customer lookup only). */
  callerNumber: string | undefined;
  calledNumber: string | undefined;
  first: Step;
}
