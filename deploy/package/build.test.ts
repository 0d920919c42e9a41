import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSETS, buildService, SERVICES } from './build.ts';

const out = mkdtempSync(join(tmpdir(), 'hcc-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe.each(SERVICES)('production build of %s', (service) => {
  it('runs on plain node with its version, ships its run-time files and no TypeScript', async () => {
    const dir = await buildService(service, { version: '9.8.7-test', out });
    const version = execFileSync(process.execPath, [join(dir, `hcc-${service}.mjs`), '--version'], {
      encoding: 'utf8',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH },
    });
    expect(version).toBe(`hcc-${service} 9.8.7-test\n`);
    for (const asset of ASSETS[service]) expect(existsSync(join(dir, asset)), asset).toBe(true);
    expect(existsSync(join(dir, 'node_modules/@electric-sql/pglite/dist/pglite.wasm'))).toBe(true);
    expect(files(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('leaves the newest migration out for the upgrade test when asked', async () => {
    const dir = await buildService(service, {
      version: '1.0.0',
      out: join(out, 'old'),
      withoutLatestMigration: true,
    });
    const full = readdirSync(join(process.cwd(), service, 'drizzle')).filter((f) => f.endsWith('.sql'));
    const old = readdirSync(join(dir, service, 'drizzle')).filter((f) => f.endsWith('.sql'));
    expect(old).toEqual(full.sort().slice(0, -1));
  });
});
