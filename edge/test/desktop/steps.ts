/**
 * Scenario steps the desktop tests share: the agent's page goes ready and a SIPp customer (menu 1:
 * sales) reaches it with audio; the page answers and hears the customer.
 */

import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { CALLER, DID } from '../call/fixtures.ts';
import type { Harness } from '../call/harness.ts';
import { callerScenario, writeScenario } from '../call/scenarios.ts';
import { audioStats, login, type TestBrowser } from './browser.ts';
import type { Desk } from './desk.ts';

export const text = async (p: Page, sel: string) => (await p.locator(sel).textContent()) ?? '';

/** The page's agent goes ready, in the agent's own words on the page. */
export async function goReady(p: Page): Promise<void> {
  await p.getByRole('button', { name: 'Ready', exact: true }).click();
  await expect.poll(() => text(p, '#state-badge')).toBe('ready');
}

export interface CustomerCall {
  interactionId: string;
  /** Waits until the customer's scenario waits for BYE, hangs up on `p` (Alt+H); the SIPp run must pass. */
  hangUp(p: Page): Promise<void>;
}

/** A customer reaching the agent of `p` (made ready), sending audio for about `seconds`; `p` answers. */
export async function customerOn(desk: Desk, p: Page, name: string, seconds: number): Promise<CustomerCall> {
  const { h } = desk;
  await goReady(p);
  const audio = Array.from({ length: Math.ceil(seconds / 7) }, () => [
    { audio: true as const },
    { pause: 6500 },
  ]).flat();
  const caller = h.sipp(
    await writeScenario(
      h.dir,
      name,
      callerScenario({
        did: DID,
        number: CALLER,
        actions: [
          { audio: true },
          { pause: 900 },
          { dtmf: '1' },
          { pause: 200 },
          ...audio,
          { waitBye: true },
        ],
      }),
    ),
    [],
    { timeoutS: 90 },
  );
  const t0 = Date.now();
  await p.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
  await p.getByRole('button', { name: /^Answer/ }).click();
  await p.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
  await expect.poll(async () => (await audioStats(p)).packetsReceived, { timeout: 8000 }).toBeGreaterThan(20);
  const [interactionId] = [...h.registry.all()].map((s) => s.interactionId);
  return {
    interactionId: interactionId!,
    async hangUp(by: Page) {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (seconds + 1.5) * 1000 - Date.now())));
      await by.keyboard.press('Alt+H');
      const run = await caller;
      expect(run.code, run.output).toBe(0);
    },
  };
}

/** Agents 1001 and 1002 logged in on two desktop pages. */
export async function twoDesktops(desk: Desk, chrome: TestBrowser): Promise<[Page, Page]> {
  const p1 = await chrome.page(`${desk.base}/desktop/`);
  const p2 = await chrome.page(`${desk.base}/desktop/`);
  await login(p1, '1001', 'pw-1001');
  await login(p2, '1002', 'pw-1002');
  return [p1, p2];
}

/** After the customer's call: one CDR answered by `to` with one transfer, an ATTENDED transfer from `from`. */
export async function expectAttendedTransfer(h: Harness, from: string, to: string): Promise<void> {
  await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length, { timeout: 5000 }).toBe(1);
  const [cdr] = await h.query<Record<string, unknown>>(sql`select * from cdrs`);
  expect(cdr).toMatchObject({ disposition: 'ANSWERED', agent_id: to, transfer_count: 1 });
  expect(h.events.find((e) => e.name === 'transferred')?.payload).toMatchObject({
    kind: 2, // ATTENDED
    fromAgentId: from,
    target: { case: 'agentId', value: to },
  });
}
