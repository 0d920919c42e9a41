/** `hcc-cloud backup FILE` and `hcc-cloud restore FILE [--force]` (see backup.ts, restore.ts). */
import { archiveArgs, mib, stderrProgress } from '@hcc/shared';
import { backupCloud } from './backup.ts';
import { cloudLayout } from './layout.ts';
import { restoreCloud } from './restore.ts';

const note = (line: string) => process.stderr.write(`${line}\n`);

export async function runBackup(args: string[]): Promise<number> {
  const { file } = archiveArgs(args);
  const layout = cloudLayout();
  const progress = stderrProgress('backup');
  const started = Date.now();
  const r = await backupCloud(file, layout, { progress, note });
  progress.finish(`${r.manifest.files.length} files, ${mib(r.contentBytes)}`);
  process.stdout.write(
    `cloud backup written to ${file}: ${r.manifest.files.length} files, ${mib(r.contentBytes)} ` +
      `(archive ${mib(r.archiveBytes)}) in ${((Date.now() - started) / 1000).toFixed(1)} s. ` +
      "It holds the NATS operator seeds and the key unsealing every site's seeds: keep it like them.\n",
  );
  return 0;
}

export async function runRestore(args: string[]): Promise<number> {
  const { file, force } = archiveArgs(args, true);
  const layout = cloudLayout();
  const progress = stderrProgress('restore');
  const r = await restoreCloud(file, layout, { force, progress, note });
  progress.finish(`${r.files} files written`);
  process.stdout.write(
    `restored the cloud (backed up ${r.manifest.createdAt} by version ${r.manifest.version}). ` +
      'Start it (systemctl start hcc-cloud): it pushes every site account to the hub again.\n',
  );
  return 0;
}
