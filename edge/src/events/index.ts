export {
  type CallScript,
  callEvents,
  journalCall,
  publishQueueSnapshot,
  scriptedDayForBench,
} from './call-script.ts';
export {
  type EnvelopeContext,
  type EnvelopeDefaults,
  envelopeDefaults,
  eventEnvelope,
} from './envelope.ts';
export {
  type CommittedRows,
  type EmitInTx,
  type JournalContext,
  JournalError,
  OutboxJournal,
  type OutboxRowData,
} from './journal.ts';
export { type LivePublisherOptions, LiveSnapshotPublisher } from './live.ts';
export {
  type EventsPipeline,
  type EventsPipelineOptions,
  type EventsStatus,
  eventsStatusView,
  startEventsPipeline,
} from './pipeline.ts';
export {
  CallerPseudonymizer,
  loadOrCreatePseudonymKey,
  type NumberRules,
  normalizeCallerNumber,
} from './pseudonym.ts';
export { DEFAULT_EVENT_BATCHING, OutboxPublisher, type PublisherOptions } from './publisher.ts';
export {
  type QueueSnapshotInput,
  queueSnapshotListener,
  type SnapshotTarget,
  type SnapshotThrottleOptions,
} from './queue-snapshots.ts';
export { withSeq } from './sequencer.ts';
export type { EventBody, EventMeta, EventSink } from './sink.ts';
export { type OutMsg, StreamSendError, StreamSender } from './stream-sender.ts';
export { WatermarkFollower, type WatermarkOptions } from './watermark.ts';
