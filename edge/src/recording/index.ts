export { type ArchiveOptions, RecordingArchive } from './archive.ts';
export { type RetentionResult, runRetention, scheduleRetention } from './retention.ts';
export { RtpSink } from './rtp-sink.ts';
export { startVoicemail, type VoicemailOptions, type VoicemailStart } from './voicemail.ts';
