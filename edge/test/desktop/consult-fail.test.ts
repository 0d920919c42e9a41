/**
 * Consultations that fail, in real Chromium: consulting an agent whose desktop is logged out (the
 * edge answers 480) brings the customer back off hold with a message, and a "complete" the edge
 * cannot carry out (the consulted browser refuses the INVITE with Replaces: NOTIFY 503) leaves the
 * agent on the consultation with a message and the controls to go back to the customer, whose
 * audio reaches agent 1001 again (the edge restores the customer's branch in rtpengine).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callBundle, queueOf } from '../call/fixtures.ts';
import { audioStats, login, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';
import { customerOn, text, twoDesktops } from './steps.ts';

describe('failed consultations on the desktop', () => {
  let desk: Desk;
  let chrome: TestBrowser;

  beforeAll(async () => {
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'consult_fail',
      bundle: callBundle({
        agents: [webAgent('a-1001', '1001'), webAgent('a-1002', '1002')],
        queues: [queueOf('sales', { wrapUpSeconds: 1, ringTimeoutSeconds: 15 })],
      }),
    });
    chrome = await startChromium();
  });

  afterAll(async () => {
    await chrome?.close();
    await desk?.close();
  });

  it('consulting a logged-out agent: a message, and the customer is resumed automatically', async () => {
    const { h, base } = desk;
    const p1 = await chrome.page(`${base}/desktop/`);
    await login(p1, '1001', 'pw-1001');
    const { hangUp } = await customerOn(desk, p1, 'caller-consult-out', 7);
    const resumed = h.events.filter((e) => e.name === 'resumed').length;
    const held = h.events.filter((e) => e.name === 'held').length;

    // Agent 1002 has no desktop open: the edge has nowhere to ring it.
    await p1.getByLabel('Transfer to').selectOption('1002');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await expect
      .poll(() => text(p1, '#banner'), { timeout: 10_000 })
      .toMatch(/^1002 could not be reached \(.+\)\. You are back with the customer\.$/);
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    expect(await p1.locator('#consult-panel').isHidden()).toBe(true);
    expect(await p1.getByRole('button', { name: 'Consult' }).isEnabled()).toBe(true);
    // The edge put the customer on hold for the consultation and off it again.
    expect(h.events.filter((e) => e.name === 'held').length).toBe(held + 1);
    await expect
      .poll(() => h.events.filter((e) => e.name === 'resumed').length, { timeout: 5000 })
      .toBe(resumed + 1);
    expect((await h.rtp.client.list()).length).toBe(1);
    // The customer is heard again.
    const in0 = (await audioStats(p1)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);
    await hangUp(p1);
    await expect.poll(() => desk.h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
  }, 90_000);

  it('a transfer the edge cannot complete: a message, the consultation goes on, cancel resumes the customer', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    await p2.getByRole('button', { name: 'Not ready', exact: true }).click();
    await expect.poll(() => text(p2, '#state-badge')).toMatch(/^Not ready/);
    const { hangUp } = await customerOn(desk, p1, 'caller-refer-fail', 14);
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(20);
    const [interactionId] = [...h.registry.all()].map((s) => s.interactionId);
    const resumed = h.events.filter((e) => e.name === 'resumed').length;

    await p1.getByLabel('Transfer to').selectOption('1002');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await p2.getByRole('button', { name: /^Answer/ }).click();
    await expect.poll(() => text(p1, '#consult-state'), { timeout: 10_000 }).toBe('Consulting');
    // (The failed hand-over must not take the customer's media away from agent 1001: see below.)
    // Agent 1002's browser will refuse the edge's INVITE with Replaces (as a page that lost its
    // microphone would): the edge cannot hand the customer over and NOTIFYs a failure.
    await p2.evaluate(() => {
      const w = window as unknown as {
        hccPhone: { answer(): void; current?: { session: { terminate(o: object): void } } };
      };
      w.hccPhone.answer = () => w.hccPhone.current?.session.terminate({ status_code: 488 });
    });
    await p1.getByRole('button', { name: 'Complete transfer' }).click();
    await expect
      .poll(() => text(p1, '#banner'), { timeout: 20_000 })
      .toMatch(
        /^The transfer to 1002 did not go through \(503 Service Unavailable\)\. You are still talking to 1002/,
      );
    expect(await text(p1, '#consult-state')).toBe('Transfer failed');
    expect(await p1.locator('#consult-panel').isVisible()).toBe(true);
    expect(await p1.getByRole('button', { name: 'Complete transfer' }).isEnabled()).toBe(true);
    expect(await p1.getByRole('button', { name: 'Cancel consult' }).isEnabled()).toBe(true);
    expect(await text(p1, '#call-state')).toBe('On hold');
    // Agent 1001 still has the customer; the consultation still carries audio both ways.
    expect(h.agents.get('a-1001').work.has(interactionId!)).toBe(true);
    expect(
      h.events.some(
        (e) =>
          e.name === 'transferred' &&
          (e.payload as { interactionId: string }).interactionId === interactionId,
      ),
    ).toBe(false);
    const c0 = (await audioStats(p1, 'consult')).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1, 'consult')).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(c0 + 20);

    await p1.getByRole('button', { name: 'Cancel consult' }).click();
    await expect.poll(() => p1.locator('#consult-panel').isHidden()).toBe(true);
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    await expect
      .poll(() => h.events.filter((e) => e.name === 'resumed').length, { timeout: 5000 })
      .toBe(resumed + 1);
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    const in0 = (await audioStats(p1)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);
    await hangUp(p1);
    await expect.poll(() => desk.h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
  }, 120_000);
});
