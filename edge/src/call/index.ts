/** The call layer: B2BUA call sessions from the INVITE pipeline to the CDR. */
export { type AgentRegistrarOptions, agentDigest, agentRegistrar } from './agent-registrar.ts';
export { DbBindingStore } from './binding-db.ts';
export { CdrBuilder, type CdrRows, type LegRecord } from './cdr.ts';
export { ConsultCall, ConsultRegistry } from './consult.ts';
export { AgentBindingStore, deviceTargets } from './contacts.ts';
export { type Admission, type DialAttempt, DialGuard, dialingView } from './dial-guard.ts';
export {
  checkDial,
  DEFAULT_MAX_OUTBOUND_PER_AGENT,
  DEFAULT_MAX_OUTBOUND_PER_SITE,
  type DialCheck,
  type DialReason,
  homeCountry,
  PREMIUM_PREFIXES,
} from './dial-policy.ts';
export { type DialResult, type DialTarget, dial } from './dialer.ts';
export { CallError, CallStateError, CdrWriteError, TransferTargetError } from './errors.ts';
export { EventBridge } from './event-bridge.ts';
export type { CallEvents, CallRef, EndedEvent } from './events.ts';
export { callOfferPort, mountCallLayer } from './mount.ts';
export { inboundPipeline, type PipelineDeps, type PipelineStep } from './pipeline.ts';
export { CallRegistry } from './registry.ts';
export { CallSession, type CallState } from './session.ts';
export { type CallStore, DbCallStore, type EventJournal, type RecordingRow } from './store.ts';
export type {
  CallServices,
  CallSetup,
  LegRef,
  MediaPool,
  PeerLeg,
  RecordingSink,
  Step,
  TrunkSecrets,
  VoicemailCapture,
} from './types.ts';
