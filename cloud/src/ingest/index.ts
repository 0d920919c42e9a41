export {
  classify,
  classifyMessage,
  type RawMessage,
  type RejectReason,
  type SiteDirectory,
  staticSiteDirectory,
} from './classify.ts';
export { databaseSiteDirectory } from './directory.ts';
export { type IngestService, type IngestServiceDeps, startIngest } from './service.ts';
export { type SiteIngestFigures, siteIngestFigures } from './site-events.ts';
export {
  connectionTransport,
  WatermarkService,
  type WatermarkServiceOptions,
  type WatermarkTransport,
} from './watermark.ts';
export { ensureIngestConsumer, type IngestOptions, IngestWorker } from './worker.ts';
export { type AcceptedEvent, type BatchResult, rowsOf, writeBatch } from './writer.ts';
