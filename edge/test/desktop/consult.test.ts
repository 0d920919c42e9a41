/**
 * Attended transfer from the agent desktop in real Chromium: agent 1 answers a SIPp customer,
 * consults agent 2 (a second page) on a WebRTC call through the edge while the customer hears music,
 * both hear each other (getStats), then completes the transfer: the edge sends agent 2's page an
 * INVITE with Replaces, the customer talks to agent 2 through rtpengine, agent 1 is free, the CDR
 * records the attended transfer and rtpengine is left with no call.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLER, callBundle, queueOf } from '../call/fixtures.ts';
import { audioStats, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';
import { customerOn, expectAttendedTransfer, goReady, text, twoDesktops } from './steps.ts';

describe('attended transfer from the desktop', () => {
  let desk: Desk;
  let chrome: TestBrowser;

  beforeAll(async () => {
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'consult',
      bundle: callBundle({
        agents: [webAgent('a-1001', '1001'), webAgent('a-1002', '1002')],
        queues: [queueOf('sales', { wrapUpSeconds: 2, ringTimeoutSeconds: 15 })],
      }),
    });
    await desk.h.customers.upsert({
      phone: CALLER,
      name: 'Ada Lovelace',
      account: 'ACC-0042',
      notes: '',
      attributes: {},
    });
    chrome = await startChromium();
  });

  afterAll(async () => {
    if (process.env.HCC_TEST_LOG) process.stderr.write(`rtpengine:\n${desk?.h.rtp.child.tail()}\n`);
    await chrome?.close();
    await desk?.close();
  });

  it('consult agent 2, both hear audio, complete: the customer talks to agent 2', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    // The customer keeps sending audio (7 s pcap, replayed) until an agent hangs up.
    const { interactionId, hangUp } = await customerOn(desk, p1, 'caller', 14);

    // Consult agent 1002 (ready: it takes the customer over as its own work): the customer is held
    // (music), a second call rings the other page.
    await goReady(p2);
    await p1.getByLabel('Transfer to').selectOption('1002');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await expect.poll(() => text(p1, '#call-state')).toBe('On hold');
    await expect.poll(() => h.events.some((e) => e.name === 'held'), { timeout: 5000 }).toBe(true);
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await p2.getByRole('button', { name: /^Answer/ }).click();
    await p2.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => text(p1, '#consult-state'), { timeout: 10_000 }).toBe('Consulting');
    // Both agents hear each other (Chrome's fake microphone beeps) on the consultation.
    for (const [p, which] of [
      [p1, 'consult'],
      [p2, 'current'],
    ] as const) {
      await expect
        .poll(async () => (await audioStats(p, which)).packetsReceived, { timeout: 8000 })
        .toBeGreaterThan(20);
      await expect
        .poll(async () => (await audioStats(p, which)).audioLevel, { timeout: 5000 })
        .toBeGreaterThan(0);
    }
    expect((await h.rtp.client.list()).length).toBe(2); // the customer's call and the consultation

    // Complete: the customer goes to agent 1002, agent 1001 leaves both calls.
    await p1.getByRole('button', { name: 'Complete transfer' }).click();
    await p1.locator('#wrap-form').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => p1.locator('#consult-panel').isHidden()).toBe(true);
    await expect.poll(() => text(p2, '#cust'), { timeout: 10_000 }).toContain('Ada Lovelace');
    expect(await p2.locator('#incall').isVisible()).toBe(true);
    // Agent 1002 now hears the customer (a new peer connection) and rtpengine relays its audio to SIPp.
    const totals0 = (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets;
    const in0 = (await audioStats(p2)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p2)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);
    await expect.poll(async () => (await audioStats(p2)).audioLevel, { timeout: 5000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets - totals0, {
        timeout: 5000,
      })
      .toBeGreaterThan(50);
    // The consultation's media is gone; agent 1001 is free again after the queue's wrap-up.
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    await expect.poll(() => text(p1, '#state-badge'), { timeout: 10_000 }).toBe('ready');
    expect(h.agents.get('a-1001').work.size).toBe(0);
    expect(h.agents.get('a-1002').work.has(interactionId!)).toBe(true);

    await hangUp(p2);
    await p2.locator('#wrap-form').waitFor({ state: 'visible' });
    await expectAttendedTransfer(h, 'a-1001', 'a-1002');
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
  }, 120_000);

  it('cancel consult: back to the customer, the consultation is gone', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    // Only agent 1001 takes queue calls; 1002 is consulted while not ready.
    await p2.getByRole('button', { name: 'Not ready', exact: true }).click();
    await expect.poll(() => text(p2, '#state-badge')).toMatch(/^Not ready/);
    const heldBefore = h.events.filter((e) => e.name === 'resumed').length;
    const { hangUp } = await customerOn(desk, p1, 'caller-cancel', 14);
    await p1.getByLabel('Transfer to').selectOption('1002');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await p2.getByRole('button', { name: /^Answer/ }).click();
    await expect.poll(() => text(p1, '#consult-state'), { timeout: 10_000 }).toBe('Consulting');
    await expect
      .poll(async () => (await audioStats(p1, 'consult')).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(20);
    expect((await h.rtp.client.list()).length).toBe(2);

    await p1.getByRole('button', { name: 'Cancel consult' }).click();
    await expect.poll(() => p1.locator('#consult-panel').isHidden()).toBe(true);
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    await expect
      .poll(() => h.events.filter((e) => e.name === 'resumed').length, { timeout: 5000 })
      .toBe(heldBefore + 1);
    await p2.locator('#incall').waitFor({ state: 'hidden', timeout: 5000 });
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    // The customer is heard again on the first call.
    const in0 = (await audioStats(p1)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);

    await hangUp(p1);
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
  }, 90_000);
});
