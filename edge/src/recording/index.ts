export { type ArchiveOptions, RecordingArchive } from './archive.ts';
export { type RetentionResult, runRetention, scheduleRetention } from './retention.ts';
