/** `hcc-edge backup FILE` and `hcc-edge restore FILE [--force]` (see backup.ts, restore.ts). */
import { archiveArgs, mib, stderrProgress } from '@hcc/shared';
import { backupEdge } from './backup.ts';
import { edgeLayout } from './layout.ts';
import { restoreEdge } from './restore.ts';

const note = (line: string) => process.stderr.write(`${line}\n`);

export async function runBackup(args: string[]): Promise<number> {
  const { file } = archiveArgs(args);
  const layout = edgeLayout();
  const progress = stderrProgress('backup');
  const started = Date.now();
  const r = await backupEdge(file, layout, { progress, note });
  progress.finish(`${r.manifest.files.length} files, ${mib(r.contentBytes)}`);
  process.stdout.write(
    `backup of site ${layout.site} written to ${file}: ${r.manifest.files.length} files, ${mib(r.contentBytes)} ` +
      `(archive ${mib(r.archiveBytes)}) in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      'It holds the site secrets and customer data: keep it like them.\n',
  );
  return 0;
}

export async function runRestore(args: string[]): Promise<number> {
  const { file, force } = archiveArgs(args, true);
  const layout = edgeLayout();
  const progress = stderrProgress('restore');
  const r = await restoreEdge(file, layout, { force, progress, note });
  progress.finish(`${r.files} files written`);
  process.stdout.write(
    `restored site ${r.manifest.site} (backed up ${r.manifest.createdAt} by version ${r.manifest.version}) ` +
      `into ${layout.dataDir}${r.relocatedRecordings ? ` (${r.relocatedRecordings} recording paths moved here)` : ''}. ` +
      'Start the edge: systemctl start hcc-edge-nats hcc-edge\n',
  );
  return 0;
}
