import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupSource } from './writer.ts';

/**
 * Every regular file under `dir` as archive entries named `<prefix>/<relative path>`, sorted (a
 * missing dir gives none). Half-written restore files (`*.restoring`) are left out.
 */
export async function filesUnder(dir: string, prefix: string): Promise<BackupSource[]> {
  const out: BackupSource[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else if (e.isFile() && !e.name.endsWith('.restoring'))
        out.push({ name: `${prefix}/${r}`, file: join(d, e.name) });
    }
  };
  await walk(dir, '');
  return out;
}
