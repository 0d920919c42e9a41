/**
 * `hcc-edge api-key` and `hcc-edge customers` on the embedded default (PGlite in EDGE_DATA_DIR, no
 * EDGE_DATABASE_URL): a key is printed once and listed without its secret, an import prints the
 * refused rows by line, an export writes a 0600 file, and while the edge runs on the same PGlite
 * (its admin socket answers) the commands refuse instead of opening the database twice.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_SOCKET_NAME, openDatabase, serveAdminSocket, silentLogger, UsageError } from '@hcc/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyCommand, type CliIo, customersCommand } from '../../src/customers/cli.ts';
import { customersCsv, parseCsvText } from './fixtures.ts';

describe('hcc-edge api-key and customers on the embedded database', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let lines: string[];
  const io = (): CliIo => {
    lines = [];
    return { out: (t) => lines.push(...t.split('\n').filter(Boolean)), env };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcc-dircli-'));
    env = { EDGE_SITE: 'hq', EDGE_DATA_DIR: dir };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, lists and revokes site API keys, showing the key only once', async () => {
    expect(await apiKeyCommand(['create', 'crm', 'sync'], io())).toBe(0);
    const [key] = lines;
    expect(key).toMatch(/^hcck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = key!.slice(5, 21);
    expect(await apiKeyCommand(['list'], io())).toBe(0);
    const row = lines.find((l) => l.startsWith(id));
    expect(row).toMatch(/never\s+active\s+crm sync$/);
    expect(lines.join('\n')).not.toContain(key!.slice(22));
    expect(await apiKeyCommand(['revoke', id], io())).toBe(0);
    expect(await apiKeyCommand(['revoke', id], io())).toBe(1);
    await apiKeyCommand(['list'], io());
    expect(lines.find((l) => l.startsWith(id))).toMatch(/revoked\s+crm sync$/);
    await expect(apiKeyCommand(['create'], io())).rejects.toBeInstanceOf(UsageError);
    await expect(apiKeyCommand(['revoke', 'nope'], io())).rejects.toBeInstanceOf(UsageError);
    await expect(apiKeyCommand(['rotate'], io())).rejects.toBeInstanceOf(UsageError);
  });

  it('imports a CSV file reporting bad rows by line, and exports the directory', async () => {
    const file = join(dir, 'in.csv');
    await writeFile(
      file,
      customersCsv(
        500,
        new Map([
          [7, 'phone'],
          [300, 'email'],
        ]),
      ),
    );
    expect(await customersCommand(['import', file], io())).toBe(1);
    expect(lines.slice(0, 2)).toEqual([
      'line 8: phone: is not a phone number',
      'line 301: email: is not an e-mail address',
    ]);
    expect(lines[2]).toMatch(/^498 customers stored, 2 rows refused, in \d+\.\d s$/);

    const out = join(dir, 'out.csv');
    expect(await customersCommand(['export', out], io())).toBe(0);
    expect(lines[0]).toMatch(/^498 customers written to /);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const rows = parseCsvText(await readFile(out, 'utf8'));
    expect(rows.length).toBe(499);
    expect(rows[10]).toEqual([
      '+15550000011',
      'customer11@example.org',
      'Customer 11',
      'ACC-11',
      '',
      'en-US',
      'gold',
    ]);
    // An export never overwrites a file.
    await expect(customersCommand(['export', out], io())).rejects.toThrow(/EEXIST/);
    await expect(customersCommand(['import', join(dir, 'missing.csv')], io())).rejects.toThrow(/ENOENT/);
    await expect(customersCommand(['import'], io())).rejects.toBeInstanceOf(UsageError);
    // Importing the export changes nothing and refuses nothing.
    expect(await customersCommand(['import', out], io())).toBe(0);
    expect(lines.at(-1)).toMatch(/^498 customers stored, 0 rows refused/);
  });

  it('refuses while the edge runs on the same embedded database', async () => {
    const database = await openDatabase({ dataDir: join(dir, 'pglite') });
    const admin = await serveAdminSocket(join(dir, ADMIN_SOCKET_NAME), database, silentLogger);
    try {
      await expect(apiKeyCommand(['list'], io())).rejects.toThrow(/running on its embedded database/);
      await expect(customersCommand(['export', join(dir, 'x.csv')], io())).rejects.toThrow(/stop it first/);
    } finally {
      await admin.close();
      await database.close();
    }
    expect(await apiKeyCommand(['list'], io())).toBe(0);
  });
});
