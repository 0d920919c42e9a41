/**
 * Consulting an outside number from the desktop, in real Chromium: agent 1001 answers a SIPp
 * customer, types a number and presses Consult; the edge calls it through the carrier trunk (a SIPp
 * UAS that challenges with digest), both hear each other, then "Complete transfer" hands the
 * customer to the outside party (re-INVITE on the consultation's dialog), agent 1001 leaves both
 * calls, and the CDR records an attended transfer to an outside number.
 */
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLER, callBundle, DID, queueOf } from '../call/fixtures.ts';
import { agentScenario, callerScenario, writeScenario } from '../call/scenarios.ts';
import { audioStats, login, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';
import { goReady, text } from './steps.ts';

describe('consult an outside number from the desktop', () => {
  let desk: Desk;
  let chrome: TestBrowser;
  let carrier: number;

  beforeAll(async () => {
    carrier = await freePort();
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'consult_ext',
      bundle: callBundle({
        agents: [webAgent('a-1001', '1001')],
        queues: [queueOf('sales', { wrapUpSeconds: 1, ringTimeoutSeconds: 15 })],
        carrierPort: carrier,
      }),
    });
    await desk.h.secrets.setPassword('trunk/carrier', 'carrier-secret');
    chrome = await startChromium();
  });

  afterAll(async () => {
    await chrome?.close();
    await desk?.close();
  });

  it('consults +15557654321 through the trunk and completes the transfer to it', async () => {
    const { h, base } = desk;
    const p1 = await chrome.page(`${base}/desktop/`);
    await login(p1, '1001', 'pw-1001');
    await goReady(p1);

    // The outside party: answers the consultation, plays audio, takes the customer's branch
    // (re-INVITE), plays audio to the customer and hangs up.
    const outside = h.sippBg(
      await writeScenario(
        h.dir,
        'outside',
        agentScenario({
          ringMs: 300,
          auth: { user: 'edge-hq', password: 'carrier-secret' },
          actions: [
            { audio: true },
            { acceptReinvite: true },
            { audio: true },
            { pause: 3000 },
            { bye: true },
          ],
        }),
      ),
      ['-p', String(carrier)],
    ).done;
    const caller = h.sipp(
      await writeScenario(
        h.dir,
        'caller-ext',
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
      ),
      [],
      { timeoutS: 90 },
    );
    await p1.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await p1.getByRole('button', { name: /^Answer/ }).click();
    await p1.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    const [interactionId] = [...h.registry.all()].map((s) => s.interactionId);

    await p1.getByLabel('Number').fill('+1 555 765 4321');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await expect.poll(() => text(p1, '#consult-state'), { timeout: 10_000 }).toBe('Consulting');
    expect(await text(p1, '#call-state')).toBe('On hold');
    // The outside party's audio reaches the agent; the agent's reaches rtpengine's consultation.
    await expect
      .poll(async () => (await audioStats(p1, 'consult')).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(20);
    expect((await h.rtp.client.list()).length).toBe(2);

    await p1.getByRole('button', { name: 'Complete transfer' }).click();
    await p1.locator('#wrap-form').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => p1.locator('#consult-panel').isHidden()).toBe(true);
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    // The customer and the outside party talk through rtpengine.
    const totals0 = (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets;
    await expect
      .poll(async () => (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets - totals0, {
        timeout: 5000,
      })
      .toBeGreaterThan(50);

    // The outside party hangs up: the customer gets its BYE.
    const out = await outside;
    expect(out.code, out.output).toBe(0);
    const run = await caller;
    expect(run.code, run.output).toBe(0);
    await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length, { timeout: 5000 }).toBe(1);
    const [cdr] = await h.query<Record<string, unknown>>(sql`select * from cdrs`);
    expect(cdr).toMatchObject({ disposition: 'TRANSFERRED_EXTERNAL', agent_id: 'a-1001', transfer_count: 1 });
    const legs = await h.query<{ role: string; result: string }>(
      sql`select role, result from cdr_legs order by id`,
    );
    expect(legs.map((l) => [l.role, l.result])).toEqual([
      ['caller', 'answered'],
      ['agent', 'answered'],
      ['external', 'answered'],
    ]);
    expect(h.events.find((e) => e.name === 'transferred')?.payload).toMatchObject({
      kind: 2, // ATTENDED
      fromAgentId: 'a-1001',
      target: { case: 'external', value: true },
    });
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
    await expect.poll(() => text(p1, '#state-badge'), { timeout: 10_000 }).toBe('ready');
  }, 120_000);
});
