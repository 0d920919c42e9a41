import { parseArgs } from 'node:util';
import { UsageError } from '../cli/commands.ts';

/** `backup FILE` / `restore FILE [--force]`: exactly one archive file, and `--force` where allowed. */
export function archiveArgs(args: string[], allowForce = false): { file: string; force: boolean } {
  let parsed: { values: { force?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: allowForce ? { force: { type: 'boolean' } } : {},
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('name one archive file');
  return { file: parsed.positionals[0]!, force: parsed.values.force === true };
}

export const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
