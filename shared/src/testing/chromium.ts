import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, headless, driven by playwright-core (never a downloaded browser build). */
export interface TestChromium {
  browser: Browser;
  close(): Promise<void>;
}

export interface ChromiumOptions {
  /** Fake microphone and camera, and no permission prompt (softphone tests). */
  fakeMedia?: boolean;
}

/**
 * Launches Chromium for a browser test with its profile, cache and temp files in a throwaway dir
 * (we may run as root) and without background networking (this machine has no internet).
 */
export async function launchChromium(o: ChromiumOptions = {}): Promise<TestChromium> {
  const home = mkdtempSync(join(tmpdir(), 'hcc-chromium-'));
  for (const d of ['config', 'cache', 'tmp']) mkdirSync(join(home, d));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
  if (o.fakeMedia) {
    args.push(
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    );
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args,
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      TMPDIR: join(home, 'tmp'),
    },
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
