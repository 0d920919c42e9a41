export {
  ADMIN_SOCKET_NAME,
  type AdminSocket,
  adminSocketAlive,
  fetchDatabaseDump,
  serveAdminSocket,
} from './admin-socket.ts';
export { archiveArgs, mib } from './cli-args.ts';
export {
  databaseKind,
  dumpDatabase,
  existingDatabase,
  loadDatabase,
  PGLITE_ENTRY,
  POSTGRES_ENTRY,
} from './database.ts';
export {
  BackupIntegrityError,
  type BackupManifest,
  type BackupService,
  MANIFEST_NAME,
  parseManifest,
} from './manifest.ts';
export { fileOwner, hccUser, type Owner } from './owner.ts';
export { pgDump, pgExec, pgRestore, pgTableCount } from './pg-tools.ts';
export { dumpPgliteDir, loadPgliteDir } from './pglite.ts';
export { type Progress, stderrProgress } from './progress.ts';
export { chownTree, type ExtractOptions, extractBackup, verifyBackup } from './reader.ts';
export { filesUnder } from './walk.ts';
export {
  type BackupResult,
  type BackupSource,
  isGzipName,
  type WriteBackupOptions,
  writeBackup,
} from './writer.ts';
