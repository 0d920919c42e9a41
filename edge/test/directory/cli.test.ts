/**
 * `hcc-edge api-key` and `hcc-edge customers` on the embedded default (PGlite in EDGE_DATA_DIR, no
 * EDGE_DATABASE_URL): a key is printed once and listed without its secret, an import prints the
 * refused rows by line, an export writes a 0600 file, and while the edge runs on the same PGlite
 * (its admin socket answers) the commands go through the edge instead of opening the database twice.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_SOCKET_NAME,
  openDatabase,
  serveAdminSocket,
  silentLogger,
  systemClock,
  UsageError,
} from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyCommand, type CliIo, customersCommand } from '../../src/customers/cli.ts';
import { CustomerDirectory, siteNumberRules } from '../../src/customers/index.ts';
import { ApiKeyStore } from '../../src/http/api-keys.ts';
import { directoryAdmin } from '../../src/http/directory-admin.ts';
import { customersCsv, parseCsvText } from './fixtures.ts';

describe('hcc-edge api-key and customers on the embedded database', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let lines: string[];
  const notes: string[] = [];
  const io = (): CliIo => {
    lines = [];
    return { out: (t) => lines.push(...t.split('\n').filter(Boolean)), note: (t) => notes.push(t), env };
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
    expect(notes.at(-1)).toMatch(
      new RegExp(`^created API key ${id} \\(crm sync\\)\\. .* shown only this once`),
    );
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
      'line 330: email: is not an e-mail address',
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

  it('works through the running edge when it holds the embedded database (its admin socket)', async () => {
    const database = await openDatabase({ dataDir: join(dir, 'pglite') });
    const directory = new CustomerDirectory(database.db, () => siteNumberRules());
    const keys = new ApiKeyStore(database.db, systemClock);
    const admin = await serveAdminSocket(
      join(dir, ADMIN_SOCKET_NAME),
      database,
      silentLogger,
      directoryAdmin({ directory, keys, log: silentLogger }),
    );
    try {
      expect(await apiKeyCommand(['create', 'while', 'running'], io())).toBe(0);
      const id = lines[0]!.slice(5, 21);
      expect(await keys.verify(lines[0]!)).toBe(id);
      await apiKeyCommand(['list'], io());
      expect(lines.find((l) => l.startsWith(id))).toMatch(/Z\s+active\s+while running$/);
      expect(await apiKeyCommand(['revoke', id], io())).toBe(0);
      expect(await keys.verify(`hcck_${id}_x`)).toBeUndefined();

      const file = join(dir, 'running.csv');
      await writeFile(file, customersCsv(1_200, new Map([[1_100, 'name']])));
      await database.db.execute(sql`delete from customers`);
      expect(await customersCommand(['import', file], io())).toBe(1);
      expect(lines[0]).toBe('line 1210: name: is required');
      expect(lines[1]).toMatch(/^1199 customers stored, 1 row refused/);
      expect(await directory.count()).toBe(1_199);

      const out = join(dir, 'running-out.csv');
      expect(await customersCommand(['export', out], io())).toBe(0);
      expect(lines[0]).toMatch(/^1199 customers written to /);
      const rows = parseCsvText(await readFile(out, 'utf8'));
      expect(rows.length).toBe(1_200);
      expect(rows.find((r) => r[0] === '+15550000010')?.[4]).toBe('prefers mornings, "early"\nsecond line');

      await writeFile(file, 'number,name\n');
      await expect(customersCommand(['import', file], io())).rejects.toThrow(
        /refused \(400\): unknown column "number"/,
      );
    } finally {
      await admin.close();
      await database.close();
    }
  });
});
