export {
  ConflictError,
  CustomerDirectory,
  type SearchPage,
  type SearchQuery,
  type StoredRecord,
} from './directory.ts';
export { type DirectoryRecord, RecordError, siteNumberRules, toRecord } from './record.ts';
export { type Customer, CustomerStore } from './store.ts';
export { CsvHeaderError, exportCsv, type ImportReport, importCsv, type RowError } from './transfer.ts';
