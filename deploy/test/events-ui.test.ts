import { join } from 'node:path';
import { mountAnalytics } from '@hcc/cloud';
import { journalCall, publishQueueSnapshot } from '@hcc/edge';
import { AgentState } from '@hcc/proto';
import { freePort, waitFor } from '@hcc/shared/testing';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, launchChromium } from './events/browser.ts';
import { expectedTotals, scriptedDay } from './events/day.ts';
import { EventsWorld, pseudonymizer, TENANT } from './events/world.ts';

// The analyst report page and the live wallboard in Chromium, over data that went the whole way:
// edge journal -> NATS -> ingest -> rollups for the report; queue snapshots published live by the
// edge -> its leaf -> the hub (site account export, cloud account import) -> live snapshots service. The session is stubbed (the console's login owns
// authentication); the tenant still comes only from it.
describe('analytics pages in Chromium', () => {
  const world = new EventsWorld(['hq', 'branch'], inject('pgUrl'), { workers: 2 });
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let base = '';
  let server: ReturnType<typeof serve>;
  const day = Date.UTC(2025, 0, 6, 7); // 08:00-16:00 Europe/Berlin
  const hqCalls = scriptedDay(160, day, 8 * 3600_000);
  const branchCalls = scriptedDay(60, day, 8 * 3600_000, '+1555020');

  beforeAll(async () => {
    await world.start();
    const port = await freePort();
    const app = new Hono();
    mountAnalytics(app, {
      db: world.cloudDb.db,
      tenantOf: async (c) => (c.req.header('cookie')?.includes('session=acme') ? TENANT : undefined),
    });
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port });
    base = `http://127.0.0.1:${port}`;
    ({ browser, close: closeBrowser } = await launchChromium());
    const hq = await world.startEdge('hq');
    const branch = await world.startEdge('branch');
    let n = 0;
    for (const c of hqCalls) n += await journalCall(hq.pipeline.journal, pseudonymizer, c);
    let m = 0;
    for (const c of branchCalls) m += await journalCall(branch.pipeline.journal, pseudonymizer, c);
    await waitFor(
      'ingested',
      async () =>
        (await world.cloudScalar(sql`select coalesce(sum(seq), 0) from analytics.site_watermarks`)) === n + m,
      30_000,
    );
  });
  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((r) => server?.close(r));
    await world.stop();
  });

  const page = async () => {
    const ctx = await browser.newContext({
      viewport: { width: 1200, height: 1600 },
      timezoneId: 'Europe/Berlin',
      acceptDownloads: true,
    });
    await ctx.addCookies([{ name: 'session', value: 'acme', url: base }]);
    return ctx.newPage();
  };

  it('shows the day in the viewer time zone with exact numbers, and exports CSV', async () => {
    const p = await page();
    // No tz in the URL: the page takes the browser's zone.
    await p.goto(`${base}/analytics?from=2025-01-06&to=2025-01-06&bucket=hour`);
    await p.waitForURL(/tz=Europe%2FBerlin/);
    const hq = expectedTotals(hqCalls);
    const br = expectedTotals(branchCalls);
    const offered = Object.values(hq)
      .concat(Object.values(br))
      .reduce((s, t) => s + t.offered, 0);
    expect(await p.textContent('#kpi-offered')).toBe(String(offered));
    const rows = await p.$$eval('#breakdown tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows.map((r) => [r[0], r[1], Number(r[2]), Number(r[3])])).toEqual([
      ['branch', 'sales', br.sales!.offered, br.sales!.answered],
      ['branch', 'support', br.support!.offered, br.support!.answered],
      ['hq', 'sales', hq.sales!.offered, hq.sales!.answered],
      ['hq', 'support', hq.support!.offered, hq.support!.answered],
    ]);
    // Hour buckets labelled in Berlin time: the first call at 07:00 UTC is the 08:00 bucket.
    const labels = await p.$$eval('figure:first-of-type svg text', (ts) => ts.map((t) => t.textContent));
    expect(labels).toContain('08:00');
    expect(await p.locator('figure svg rect').count()).toBeGreaterThan(10);
    await p.screenshot({ path: join(ARTIFACTS, 'analytics-report.png'), fullPage: true });

    const [download] = await Promise.all([p.waitForEvent('download'), p.click('#csv')]);
    const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^start,start_local,offered,answered/);
    expect(csv).toContain(`hq,sales,${hq.sales!.offered},${hq.sales!.answered}`);
    await p.context().close();
  });

  it('updates the wallboard within 2 s of a snapshot on the edge, totalled across sites', async () => {
    const p = await page();
    await p.goto(`${base}/analytics/wallboard`);
    const hq = world.edges.hq!;
    const branch = world.edges.branch!;
    // Published as the edge publishes them: its pipeline's live publisher, on its leaf connection.
    const sent = publishQueueSnapshot(branch.pipeline.live, {
      queueId: 'sales',
      waiting: 2,
      longestWaitMs: 10_000,
      agents: { [AgentState.READY]: 1 },
    });
    const t0 = Date.now();
    const sentHq = publishQueueSnapshot(hq.pipeline.live, {
      queueId: 'sales',
      waiting: 4,
      longestWaitMs: 65_000,
      agents: { [AgentState.ON_CALL]: 3, [AgentState.READY]: 2 },
    });
    expect([sent, sentHq]).toEqual([true, true]);
    await p.waitForFunction(
      () => document.querySelector('[data-queue="sales"] .waiting')?.textContent === '6',
      undefined,
      { timeout: 5000 },
    );
    // The wallboard polls every second; the 2 s target is measured here but not asserted, since a
    // loaded CI machine can stretch it (timing targets belong in bench/, not in tests).
    process.stdout.write(`wallboard update latency: ${Date.now() - t0} ms\n`);
    // They came the live way: taken by the cloud's live service, and none stored as an event.
    expect(world.live.accepted).toBe(2);
    expect(
      await world.cloudScalar(sql`select count(*) from analytics.events where kind = 'queue_snapshot'`),
    ).toBe(0);
    expect(await p.textContent('[data-queue="sales"] .agents')).toBe('ready 3, on call 3');
    await p.screenshot({ path: join(ARTIFACTS, 'analytics-wallboard.png'), fullPage: true });
    // Unauthenticated requests get nothing.
    const anon = await fetch(`${base}/analytics/api/wallboard`);
    expect(anon.status).toBe(401);
    await p.context().close();
  });
});
