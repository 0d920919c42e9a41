/**
 * Scenario steps the desktop tests share: the agent's page goes ready and a SIPp customer (menu 1:
 * sales) reaches it with audio; the page answers and hears the customer.
 */

import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { CALLER, DID } from '../call/fixtures.ts';
import { callerScenario, writeScenario } from '../call/scenarios.ts';
import { audioStats } from './browser.ts';
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
