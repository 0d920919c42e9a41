import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, type TestChromium, waitFor } from '@hcc/shared/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoHqBundle } from '../src/demo/bundles.ts';
import { type CloudHarness, startCloudHarness, type TestEdge } from './harness.ts';

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts', import.meta.url));

// The ops console in Debian's Chromium: log in, edit an IVR flow in the structured editor, publish
// it to the site and watch the site report the new version applied.
describe('ops console in Chromium', () => {
  let h: CloudHarness;
  let hq: TestEdge;
  let browser: Browser;
  let chrome: TestChromium | undefined;
  let login: { email: string; password: string };

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    const t = await h.tenant('acme');
    login = t;
    await h.site(t.api, demoHqBundle());
    hq = await h.edge(t.api, 'hq');
    await t.api('POST', '/api/v1/publish', { siteIds: ['hq'] });
    await waitFor('hq runs v1', async () => hq.agent.store.version === 1n, 20_000);
    chrome = await launchChromium();
    browser = chrome.browser;
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await chrome?.close();
    await h?.stop();
  });

  it('edits a flow, publishes it and sees it applied', async () => {
    const pageCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await pageCtx.newPage();
    await page.goto(`${h.url}/`);
    expect(page.url()).toContain('/login');
    await page.fill('input[name=email]', login.email);
    await page.fill('input[name=password]', login.password);
    await page.click('#login');
    await page.waitForSelector('#sites tr[data-site=hq]');
    // The header names the signed-in user by e-mail, not by an id.
    expect(await page.textContent('header #signed-in')).toBe(login.email);
    // The edge's ConfigApplied event may still be on its way up: the sites page shows it once it lands.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.textContent('#sites tr[data-site=hq] [data-col=applied]');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('1');

    await page.click('a[href="/sites/hq"]');
    await page.click('a[href="/sites/hq/flows/main"]');
    await page.waitForSelector('#flow-graph g[data-node=menu]');
    // Swap the menu's digits: 1 now goes to support, 2 to sales.
    const row = page.locator('#flow-form tr', { has: page.locator('input[name$=".id"][value=menu]') });
    await row.locator('input[name$=".menu.choices"]').fill('1=to-support, 2=to-sales');
    // Add a node through the blank row: a play node the menu's invalid branch can use.
    const blank = page.locator('#flow-form tr').last();
    await blank.locator('input[name$=".id"]').fill('sorry');
    await blank.locator('select').selectOption('play');
    await blank.locator('input[name$=".play.promptId"]').fill('invalid');
    await blank.locator('input[name$=".play.nextNodeId"]').fill('hangup');
    await page.click('#save-flow');
    await page.waitForSelector('#flash');
    await page.waitForSelector('#flow-graph g[data-node=sorry]');

    await page.click('a[href="/sites/hq"]');
    await page.waitForSelector('#draft-ok');
    await page.click('#publish-site');
    await page.waitForSelector('#flash');
    expect(await page.textContent('#flash')).toContain('hq: version 2 deployed');
    await waitFor(
      'the console shows hq applied version 2',
      async () => {
        await page.goto(`${h.url}/`);
        return (await page.textContent('#sites tr[data-site=hq] [data-col=applied]')) === '2';
      },
      20_000,
      250,
    );
    expect(await page.textContent('#sites tr[data-site=hq] [data-col=online]')).toBe('online');
    // The events column: the config agent's heartbeats report an empty outbox; no ingest runs here.
    expect(await page.textContent('#sites tr[data-site=hq] [data-col=events]')).toBe(
      '0 waiting, ingested to -, 0 parked',
    );
    const menu = hq.agent.store.current()?.flows[0]?.nodes.find((n) => n.id === 'menu');
    expect(menu?.kind.value).toMatchObject({
      choices: [
        { digit: '1', nodeId: 'to-support' },
        { digit: '2', nodeId: 'to-sales' },
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console-sites.png'), fullPage: true });
    await page.goto(`${h.url}/sites/hq/diff?from=1&to=2`);
    expect(await page.textContent('#diff')).toContain('flows.main.nodes.menu.menu.choices');
    await page.goto(`${h.url}/sites/hq/flows/main`);
    await page.screenshot({ path: join(ARTIFACTS, 'console-flow.png'), fullPage: true });
    await pageCtx.close();
  });

  it('edits a queue and an agent in their forms, shows field errors, publishes and applies them', async () => {
    const pageCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await pageCtx.newPage();
    await page.goto(`${h.url}/login`);
    await page.fill('input[name=email]', login.email);
    await page.fill('input[name=password]', login.password);
    await page.click('#login');
    await page.waitForSelector('#sites');

    // Queue: a bad value first; the problem shows beside its field and nothing is saved.
    await page.goto(`${h.url}/sites/hq`);
    await page.click('a[href="/sites/hq/edit/queues/sales"]');
    await page.getByLabel('Service level (s)').fill('-5');
    await page.click('#save-entity');
    await page.waitForSelector('#f-serviceLevelSeconds-err');
    expect(await page.textContent('#f-serviceLevelSeconds-err')).toBe('must be between 0 and 86400');
    expect(await page.inputValue('input[name=serviceLevelSeconds]')).toBe('-5');
    expect(await page.getAttribute('input[name=serviceLevelSeconds]', 'aria-invalid')).toBe('true');
    await page.getByLabel('Service level (s)').fill('45');
    await page.click('#save-entity');
    await page.waitForSelector('#flash');
    expect(await page.inputValue('input[name=serviceLevelSeconds]')).toBe('45');

    // Agent: a level out of range, then a good one.
    await page.goto(`${h.url}/sites/hq/edit/agents/a-1001`);
    await page.fill('input[name="skills[0].level"]', '11');
    await page.click('#save-entity');
    await page.waitForSelector('[id="f-skills_0__level-err"]');
    expect(await page.textContent('[id="f-skills_0__level-err"]')).toBe('must be between 1 and 10');
    await page.fill('input[name="skills[0].level"]', '4');
    await page.click('#save-entity');
    await page.waitForSelector('#flash');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console-agent-form.png'), fullPage: true });

    await page.goto(`${h.url}/sites/hq`);
    await page.waitForSelector('#draft-ok');
    await page.click('#publish-site');
    await page.waitForSelector('#flash');
    const flash = (await page.textContent('#flash')) ?? '';
    const version = BigInt(/hq: version (\d+) deployed/.exec(flash)?.[1] ?? '0');
    expect(version).toBeGreaterThan(1n);
    await waitFor(
      'hq applies the queue and agent edit',
      async () => hq.agent.store.version === version,
      20_000,
    );
    const cfg = hq.agent.store.current()!;
    expect(cfg.queues.find((q) => q.id === 'sales')?.serviceLevelSeconds).toBe(45);
    expect(cfg.agents.find((a) => a.id === 'a-1001')?.skills).toMatchObject([{ skillId: 'sales', level: 4 }]);
    // Everything the form does not show (capacities, devices) came through unchanged.
    expect(cfg.agents.find((a) => a.id === 'a-1001')?.devices.map((d) => d.id)).toEqual(['phone', 'desktop']);
    await page.goto(`${h.url}/sites/hq/edit/queues/sales`);
    await page.getByLabel('Service level (s)').fill('-3');
    await page.click('#save-entity');
    await page.waitForSelector('#f-serviceLevelSeconds-err');
    await page.screenshot({ path: join(ARTIFACTS, 'console-queue-form.png'), fullPage: true });
    await pageCtx.close();
  });
});
