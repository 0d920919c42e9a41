import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ConfigAgent, edgeSettings, startConfigAgent } from '@hcc/edge';
import { silentLogger } from '@hcc/shared';
import {
  freePort,
  launchChromium,
  type ManagedChild,
  startChild,
  type TestChromium,
  waitForTcp,
} from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CloudHarness, startCloudHarness } from './harness.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const ARTIFACTS = join(ROOT, '.artifacts');
const run = promisify(execFile);

// "Add site" in the ops console (Debian's Chromium): a tenant admin creates a site, gets its one-time
// token and the exact command, runs that command as the site would, starts the site's leaf from the
// files it wrote and the edge's config path with EDGE_ENROLL_DIR; the console shows the site online.
describe('console: Add site and enroll it with the shown command', () => {
  let h: CloudHarness;
  let chrome: TestChromium | undefined;
  let login: { email: string; password: string };
  let leaf: ManagedChild | undefined;
  let agent: ConfigAgent | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'hcc-console-enroll-'));

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    login = await h.tenant('acme');
    chrome = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await agent?.stop().catch(() => {});
    await leaf?.stop();
    await chrome?.close();
    await h?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the token and the command; after running it the site is online within 30 s', async () => {
    const ctx = await chrome!.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${h.url}/`);
    await page.fill('input[name=email]', login.email);
    await page.fill('input[name=password]', login.password);
    await page.click('#login');
    await page.click('#add-site');
    await page.fill('#new-site input[name=id]', 'lisbon');
    await page.fill('#new-site input[name=name]', 'Lisbon branch');
    await page.selectOption('#new-site select[name=timeZone]', 'Europe/Lisbon');
    await page.click('#create-site');
    await page.waitForSelector('#enroll-command');
    expect(await page.textContent('#flash')).toContain('Site lisbon created');
    const token = (await page.textContent('#enroll-token'))!.trim();
    expect(token).toMatch(/^hcce_[A-Za-z0-9_-]{43}$/);
    const command = (await page.textContent('#enroll-command'))!.trim();
    expect(command).toBe(`hcc-edge enroll --cloud ${h.url} --token ${token}`);
    const expires = Date.parse((await page.getAttribute('#enroll-expires', 'data-expires'))!);
    expect(expires - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    await page.screenshot({ path: join(ARTIFACTS, 'console-add-site-token.png'), fullPage: true });
    // The site is listed, offline until its edge runs.
    await page.goto(`${h.url}/`);
    expect(await page.textContent('#sites tr[data-site=lisbon] [data-col=online]')).toBe('offline');

    // At the site: the command as shown (plus where this test keeps the files), then the leaf and edge.
    const dir = join(tmp, 'enroll');
    const leafPort = await freePort();
    const env = { EDGE_LEAF_PORT: String(leafPort), EDGE_LEAF_STORE_DIR: join(tmp, 'leaf-js') };
    const started = performance.now();
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'edge/src/cli.ts',
        ...command.split(' ').slice(1),
        '--enroll-dir',
        dir,
        '--no-restart',
      ],
      { cwd: ROOT, env: { ...process.env, ...env } },
    );
    const enrolledMs = performance.now() - started;
    leaf = startChild({ name: 'leaf-lisbon', command: 'nats-server', args: ['-c', join(dir, 'leaf.conf')] });
    await waitForTcp('127.0.0.1', leafPort, 15_000, leaf);
    // The edge's settings from the enrollment dir alone: site id, leaf URL and config-signing keys.
    const s = edgeSettings({ ...env, EDGE_ENROLL_DIR: dir, EDGE_DATA_DIR: join(tmp, 'edge') });
    expect(s.site).toBe('lisbon');
    agent = await startConfigAgent(
      {
        site: s.site,
        natsUrl: s.natsUrl,
        database: s.database,
        publicKeys: s.configPublicKeys,
        heartbeatMs: 1000,
      },
      silentLogger,
    );
    const agentMs = performance.now() - started;
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.textContent('#sites tr[data-site=lisbon] [data-col=online]');
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe('online');
    const onlineMs = performance.now() - started;
    process.stdout.write(
      `hcc-edge enroll -> site online in the console: ${(onlineMs / 1000).toFixed(1)} s (the command itself ${(enrolledMs / 1000).toFixed(1)} s, leaf and edge config path up at ${(agentMs / 1000).toFixed(1)} s)\n`,
    );
    expect(onlineMs).toBeLessThan(30_000);
    await page.screenshot({ path: join(ARTIFACTS, 'console-add-site-online.png'), fullPage: true });
    await ctx.close();
  });
});
