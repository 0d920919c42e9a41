import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../cli/commands.ts';
import { archiveArgs } from './cli-args.ts';
import { BackupIntegrityError } from './manifest.ts';
import { extractBackup, verifyBackup } from './reader.ts';
import { writeBackup } from './writer.ts';

describe.each(['b.tar', 'b.tar.gz'])('backup archive %s', (name) => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-archive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const big = randomBytes(300_000);
  writeFileSync(join(dir, 'big.bin'), big);
  writeFileSync(join(dir, 'empty'), '');
  const file = join(dir, name);

  it('writes mode 0600 with a MANIFEST of every entry, verifies and extracts them', async () => {
    const lines: string[] = [];
    const r = await writeBackup({
      file,
      manifest: { service: 'edge', version: '1.2.3', site: 'hq', database: 'pglite' },
      entries: [
        { name: 'data/big.bin', file: join(dir, 'big.bin') },
        { name: 'data/empty', file: join(dir, 'empty') },
        { name: 'data/gone', file: join(dir, 'does-not-exist') },
        { name: 'secrets/key', data: Buffer.from('k') },
      ],
      progress: {
        start: () => {},
        bytes: () => {},
        entryDone: () => lines.push('e'),
        finish: () => {},
      },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(r.manifest.files.map((f) => f.path)).toEqual(['data/big.bin', 'data/empty', 'secrets/key']);
    expect(lines.length).toBe(3);
    const m = await verifyBackup(file);
    expect(m).toEqual(r.manifest);
    const out = join(dir, `out-${name}`);
    await extractBackup(file, m, {
      target: (n) => (n.startsWith('data/') ? { path: join(out, n) } : undefined),
    });
    expect(readFileSync(join(out, 'data/big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(out, 'data/empty')).length).toBe(0);
    expect(existsSync(join(out, 'secrets'))).toBe(false);
    expect(statSync(join(out, 'data/big.bin')).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite an existing archive', async () => {
    await expect(
      writeBackup({ file, manifest: { service: 'edge', version: '1', database: 'pglite' }, entries: [] }),
    ).rejects.toThrow(/exists/);
  });

  it('refuses an archive with one byte flipped, naming the problem', async () => {
    const bytes = readFileSync(file);
    // A byte in the middle of big.bin's content (the first entry, after its 512-byte header).
    const i = name.endsWith('.gz') ? Math.floor(bytes.length / 2) : 512 + 150_000;
    bytes[i] = bytes[i]! ^ 0x5a;
    const bad = join(dir, `bad-${name}`);
    writeFileSync(bad, bytes);
    const err = await verifyBackup(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupIntegrityError);
    expect(String(err)).toMatch(name.endsWith('.gz') ? /damaged|SHA-256/ : /data\/big\.bin.*SHA-256/);
  });

  it('refuses a file that is not a backup', async () => {
    const other = join(dir, `other-${name}`);
    writeFileSync(other, 'hello');
    await expect(verifyBackup(other)).rejects.toBeInstanceOf(BackupIntegrityError);
    expect(readdirSync(dir).some((f) => f.endsWith('.restoring'))).toBe(false);
  });
});

describe('archiveArgs', () => {
  it('takes exactly one file, and --force only where allowed', () => {
    expect(archiveArgs(['a.tar'])).toEqual({ file: 'a.tar', force: false });
    expect(archiveArgs(['a.tar', '--force'], true)).toEqual({ file: 'a.tar', force: true });
    expect(() => archiveArgs(['a.tar', '--force'])).toThrow(UsageError);
    expect(() => archiveArgs([])).toThrow('name one archive file');
    expect(() => archiveArgs(['a.tar', 'b.tar'], true)).toThrow('name one archive file');
  });
});
