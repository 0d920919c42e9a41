/**
 * The agent desktop end to end in real Chromium: login, ready, a SIPp caller through the IVR into
 * the queue, the toast with the customer's name from the edge database, answer, audio both ways
 * (getStats in the page, rtpengine relaying the browser's packets towards SIPp), hold and resume,
 * blind transfer to a second agent page, hang-up with the keyboard, disposition in the database,
 * a screenshot, and re-registration after the SIP WebSocket drops.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLER, callBundle, DID, queueOf } from '../call/fixtures.ts';
import type { Harness } from '../call/harness.ts';
import { callerScenario, writeScenario } from '../call/scenarios.ts';
import { audioStats, login, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';
import { text } from './steps.ts';

const ARTIFACTS = fileURLToPath(new URL('../../../.artifacts', import.meta.url));

describe('agent desktop in Chromium', () => {
  let desk: Desk;
  let h: Harness;
  let base: string;
  let chrome: TestBrowser;

  beforeAll(async () => {
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'desktop',
      bundle: callBundle({
        agents: [webAgent('a-1001', '1001'), webAgent('a-1002', '1002')],
        queues: [queueOf('sales', { wrapUpSeconds: 4, ringTimeoutSeconds: 15 }), queueOf('support')],
      }),
      supervisors: ['1001'],
    });
    ({ h, base } = desk);
    await h.customers.upsert({
      phone: CALLER,
      name: 'Ada Lovelace',
      account: 'ACC-0042',
      notes: 'Prefers email follow-up.',
      attributes: {},
    });
    chrome = await startChromium();
  });

  afterAll(async () => {
    if (process.env.HCC_TEST_LOG) process.stderr.write(`rtpengine:\n${h?.rtp.child.tail()}\n`);
    await chrome?.close();
    await desk?.close();
  });

  it('login, ready, screen pop, answer, audio both ways, hold, transfer, hang-up, disposition', async () => {
    const p1 = await chrome.page(`${base}/desktop/`);
    const p2 = await chrome.page(`${base}/desktop/`);
    await login(p1, '1001', 'pw-1001');
    await login(p2, '1002', 'pw-1002');
    await p1.getByRole('button', { name: 'Ready', exact: true }).click();
    await expect.poll(() => p1.locator('#state-badge').textContent()).toBe('ready');

    const callerXml = await writeScenario(
      h.dir,
      'caller',
      callerScenario({
        did: DID,
        number: CALLER,
        actions: [
          { audio: true },
          { pause: 900 },
          { dtmf: '1' },
          { pause: 200 },
          { audio: true },
          { waitBye: true },
        ],
      }),
    );
    const caller = h.sipp(callerXml, [], { timeoutS: 90 });

    // Toast with the customer's name from the edge database.
    const toast = p1.locator('#toast');
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => p1.locator('#toast-name').textContent(), { timeout: 5000 }).toBe('Ada Lovelace');
    await p1.getByRole('button', { name: /^Answer/ }).click();
    await p1.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => text(p1, '#cust')).toContain('ACC-0042');
    await expect.poll(() => text(p1, '#ivr-path')).toContain('Queue sales');

    // Audio both ways: Chrome receives the caller's audio; rtpengine receives the browser's.
    const [interactionId] = [...h.registry.all()].map((s) => s.interactionId);
    const totals0 = (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(50);
    await expect.poll(async () => (await audioStats(p1)).audioLevel, { timeout: 5000 }).toBeGreaterThan(0);
    const sent = (await audioStats(p1)).packetsSent;
    expect(sent).toBeGreaterThan(50);
    // rtpengine counts the packets it relays; the browser's go to the SIPp caller's media port.
    await expect
      .poll(async () => (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets - totals0, {
        timeout: 5000,
      })
      .toBeGreaterThan(50);

    await mkdir(ARTIFACTS, { recursive: true });
    await p1.screenshot({ path: join(ARTIFACTS, 'desktop-in-call.png'), fullPage: true });

    // Hold and resume (re-INVITEs from the browser; music on hold to the caller).
    await p1.getByRole('button', { name: 'Hold' }).click();
    await expect.poll(() => text(p1, '#call-state')).toBe('On hold');
    await expect.poll(() => h.events.some((e) => e.name === 'held'), { timeout: 5000 }).toBe(true);
    await p1.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    await expect.poll(() => h.events.some((e) => e.name === 'resumed'), { timeout: 5000 }).toBe(true);
    const before = (await audioStats(p1)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 5000 })
      .toBeGreaterThan(before);

    // Blind transfer to agent 1002 (ready on the second page).
    await p2.getByRole('button', { name: 'Ready', exact: true }).click();
    await p1.getByLabel('Transfer to').selectOption('1002');
    await p1.getByRole('button', { name: 'Blind transfer' }).click();
    await p1.locator('#wrap-form').waitFor({ state: 'visible', timeout: 10_000 });
    // The queue's wrap-up (4 s in this bundle) counts down on the first agent's page.
    await expect.poll(() => text(p1, '#wrap-countdown'), { timeout: 5000 }).toMatch(/^wrap-up [1-4] s$/);
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => p2.locator('#toast-name').textContent()).toBe('Ada Lovelace');
    await p2.keyboard.press('Alt+A');
    await p2.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(async () => (await audioStats(p2)).packetsSent, { timeout: 8000 }).toBeGreaterThan(20);
    // ... and the first agent is back to ready once it ran out.
    await expect.poll(() => text(p1, '#state-badge'), { timeout: 10_000 }).toBe('ready');
    expect(await text(p1, '#wrap-countdown')).toBe('');
    await p2.keyboard.press('Alt+H');
    const run = await caller;
    expect(run.code, run.output).toBe(0);

    // Disposition after the call, stored on site.
    await p2.locator('#wrap-form').waitFor({ state: 'visible' });
    await p2.getByLabel('Disposition').selectOption('callback');
    await p2.getByLabel('Notes').fill('Call back Tuesday about the invoice.');
    await p2.getByRole('button', { name: 'Save disposition' }).click();
    await expect.poll(() => text(p2, '#wrap-saved')).toBe('Saved.');
    const rows = await h.query<{ agent_id: string; code: string; notes: string; interaction_id: string }>(
      sql`select agent_id, code, notes, interaction_id from call_dispositions`,
    );
    expect(rows).toEqual([
      {
        agent_id: 'a-1002',
        code: 'callback',
        notes: 'Call back Tuesday about the invoice.',
        interaction_id: interactionId,
      },
    ]);
    await expect.poll(() => text(p2, '#history-rows'), { timeout: 10_000 }).toContain('Ada Lovelace');
    // Transferred directly to an agent (no queue): no wrap-up, back to ready.
    await expect.poll(() => text(p2, '#state-badge'), { timeout: 5000 }).toBe('ready');
    await p2.screenshot({ path: join(ARTIFACTS, 'desktop-after-call.png') });
  }, 120_000);

  it('supervisor view: sees an agent go ready live and forces it to not ready', async () => {
    const sup = await chrome.page(`${base}/desktop/`);
    const agent = await chrome.page(`${base}/desktop/`);
    await login(sup, '1001', 'pw-1001');
    await login(agent, '1002', 'pw-1002');
    // Only extensions in EDGE_SUPERVISORS (here 1001) get the link and the API.
    await expect.poll(() => agent.locator('#link-supervisor').isHidden()).toBe(true);
    await sup.getByRole('link', { name: 'Supervisor' }).click();
    await sup.locator('#sup-view').waitFor({ state: 'visible' });
    const row = sup.locator('#sup-agents tr[data-agent="a-1002"]');
    await row.waitFor({ timeout: 5000 });

    await agent.getByRole('button', { name: 'Ready', exact: true }).click();
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 5000 }).toBe('ready');
    await expect.poll(() => text(sup, '#sup-queues'), { timeout: 5000 }).toMatch(/sales0—[1-9]/);
    await sup.screenshot({ path: join(ARTIFACTS, 'desktop-supervisor.png'), fullPage: true });

    await sup.getByRole('button', { name: 'Force Agent 1002 (1002) not ready' }).click();
    await expect.poll(() => text(agent, '#state-badge'), { timeout: 5000 }).toMatch(/^Not ready/);
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 5000 }).toMatch(/^Not ready/);
    expect(h.agents.get('a-1002').reasonId).not.toBe('');
    await sup.getByRole('button', { name: 'Force Agent 1002 (1002) ready' }).click();
    await expect.poll(() => text(agent, '#state-badge'), { timeout: 5000 }).toBe('ready');
    await sup.getByRole('link', { name: 'Back to my desk' }).click();
    await expect.poll(() => sup.locator('#desk-layout').isVisible()).toBe(true);
  }, 60_000);

  it('re-registers after the SIP WebSocket drops', async () => {
    const p = await chrome.page(`${base}/desktop/`);
    await login(p, '1001', 'pw-1001');
    // Drop every browser connection from the edge side.
    for (const c of desk.ws['byId'].values()) c.ws.terminate();
    await p.locator('#phone-status', { hasText: 'Phone offline' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => text(p, '#banner')).toContain('Connection to the phone system lost');
    await p.locator('#phone-status', { hasText: 'Phone ready' }).waitFor({ timeout: 20_000 });
    expect((await h.bindings.contactsOf('web-a-1001')).length).toBeGreaterThan(0);
    await expect.poll(() => p.locator('#banner').isHidden()).toBe(true);
  }, 60_000);
});
