/**
 * Chromium for the desktop tests: Debian's /usr/bin/chromium driven by playwright-core, headless,
 * with fake media devices (a beeping microphone) and its profile, cache and tmp in a temp dir.
 */
import { launchChromium } from '@hcc/shared/testing';
import type { Browser, Page } from 'playwright-core';

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own cookies) with one page on the desktop; `insecure` accepts any certificate. */
  page(url: string, o?: { insecure?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

export async function startChromium(): Promise<TestBrowser> {
  const { browser, close } = await launchChromium({ fakeMedia: true });
  return {
    browser,
    async page(url, o = {}) {
      const ctx = await browser.newContext({
        viewport: { width: 1366, height: 768 },
        ...(o.insecure ? { ignoreHTTPSErrors: true } : {}),
      });
      await ctx.grantPermissions(['microphone']);
      const p = await ctx.newPage();
      if (process.env.HCC_TEST_BROWSER_LOG) {
        await ctx.addInitScript(() => localStorage.setItem('hcc-sip-debug', '1'));
        p.on('console', (m) => process.stderr.write(`[page] ${m.type()} ${m.text().slice(0, 3000)}\n`));
      }
      await p.goto(url);
      return p;
    },
    close,
  };
}

/** Logs an agent in and waits until its softphone is registered. */
export async function login(p: Page, extension: string, password: string): Promise<void> {
  await p.getByLabel('Extension').fill(extension);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.locator('#phone-status', { hasText: 'Phone ready' }).waitFor({ timeout: 15_000 });
}

/** A call's inbound/outbound audio counters as Chrome's getStats() reports them. */
export function audioStats(p: Page, which: 'current' | 'consult' = 'current') {
  return p.evaluate(
    (w) =>
      (
        window as unknown as {
          hccPhone: {
            audioStats(
              which: 'current' | 'consult',
            ): Promise<{ packetsReceived: number; audioLevel: number; packetsSent: number }>;
          };
        }
      ).hccPhone.audioStats(w),
    which,
  );
}
