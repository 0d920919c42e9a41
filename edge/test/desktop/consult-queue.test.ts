/**
 * Consulting a queue from the desktop in real Chromium: agent 1001 (skill sales) answers a SIPp
 * customer and consults queue "support", whose only free agent is 1002 (skill support): the edge
 * picks 1002 through the ACD's view of the queue, reserves it (RESERVED, RINGING, ON_CALL like an
 * offer), rings its page, both hear each other, and the completed transfer leaves the customer with
 * 1002 (CDR, events, agent states, rtpengine clean). With nobody free in the queue, the page says
 * so and the customer is resumed.
 */
import { AgentState, Channel } from '@hcc/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLER, callBundle, queueOf } from '../call/fixtures.ts';
import { audioStats, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';
import { customerOn, expectAttendedTransfer, goReady, text, twoDesktops } from './steps.ts';

describe('consulting a queue from the desktop', () => {
  let desk: Desk;
  let chrome: TestBrowser;
  /** Agent state changes (the registry's observer; the harness records call events only). */
  const changes: Array<{ agentId: string; toState: AgentState; interactionId: string }> = [];

  beforeAll(async () => {
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'consult_queue',
      bundle: callBundle({
        agents: [
          webAgent('a-1001', '1001'),
          { ...webAgent('a-1002', '1002'), skills: [{ skillId: 'support', level: 3 }] },
        ],
        queues: [
          queueOf('sales', { wrapUpSeconds: 1, ringTimeoutSeconds: 15 }),
          queueOf('support', { wrapUpSeconds: 1, ringTimeoutSeconds: 15 }),
          // Support agents too, rung briefly (the ring-no-answer case).
          queueOf('help', { requiredSkills: [{ skillId: 'support', minLevel: 1 }], ringTimeoutSeconds: 3 }),
        ],
      }),
    });
    await desk.h.customers.upsert({
      phone: CALLER,
      name: 'Ada Lovelace',
      account: 'ACC-0042',
      notes: '',
      attributes: {},
    });
    desk.h.agents['deps'].observer.on('agentStateChanged', (e) => changes.push(e));
    chrome = await startChromium();
  });

  afterAll(async () => {
    await chrome?.close();
    await desk?.close();
  });

  it('consult queue support: its free agent rings, answers, and takes the customer', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    await goReady(p2);
    const { interactionId, hangUp } = await customerOn(desk, p1, 'caller-consult-queue', 14);

    await p1.getByLabel('Transfer to').selectOption('queue-support');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await expect.poll(() => text(p1, '#call-state')).toBe('On hold');
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    // 1002 rings for the consultation as for a queue's offer: a work item of queue support.
    const consultWork = () => [...h.agents.get('a-1002').work.values()].find((w) => w.queueId === 'support');
    await expect.poll(() => consultWork()?.state, { timeout: 5000 }).toBe(AgentState.RINGING);
    const consultId = consultWork()!.interactionId;
    expect(consultId).not.toBe(interactionId);
    await p2.getByRole('button', { name: /^Answer/ }).click();
    await p2.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => text(p1, '#consult-state'), { timeout: 10_000 }).toBe('Consulting');
    expect(consultWork()?.state).toBe(AgentState.ON_CALL);
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
    expect((await h.rtp.client.list()).length).toBe(2);
    const states = changes
      .filter((e) => e.agentId === 'a-1002' && e.interactionId === consultId)
      .map((e) => e.toState);
    expect(states).toEqual([AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL]);

    await p1.getByRole('button', { name: 'Complete transfer' }).click();
    await p1.locator('#wrap-form').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => text(p2, '#cust'), { timeout: 10_000 }).toContain('Ada Lovelace');
    // 1002 works on the customer's interaction now (the consultation's item is gone).
    const w2 = h.agents.get('a-1002').work;
    expect([...w2.keys()]).toEqual([interactionId]);
    expect(w2.get(interactionId)?.state).toBe(AgentState.ON_CALL);
    const in0 = (await audioStats(p2)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p2)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    await expect.poll(() => text(p1, '#state-badge'), { timeout: 10_000 }).toBe('ready');
    expect(h.agents.get('a-1001').work.size).toBe(0);

    await hangUp(p2);
    await p2.locator('#wrap-form').waitFor({ state: 'visible' });
    await expectAttendedTransfer(h, 'a-1001', 'a-1002');
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
    await expect.poll(() => h.agents.get('a-1002').work.size, { timeout: 10_000 }).toBe(0);
    await p1.close();
    await p2.close();
  }, 120_000);

  it('consult a queue with nobody free: the page says so and the customer is resumed', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    await p2.getByRole('button', { name: 'Not ready', exact: true }).click();
    await expect.poll(() => text(p2, '#state-badge')).toMatch(/^Not ready/);
    const { hangUp } = await customerOn(desk, p1, 'caller-consult-queue-none', 7);
    const resumed = h.events.filter((e) => e.name === 'resumed').length;
    const held = h.events.filter((e) => e.name === 'held').length;
    const changed = changes.length;

    await p1.getByLabel('Transfer to').selectOption('queue-support');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await expect
      .poll(() => text(p1, '#banner'), { timeout: 10_000 })
      .toBe('Queue support: No agent available in support. You are back with the customer.');
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    expect(await p1.locator('#consult-panel').isHidden()).toBe(true);
    expect(h.events.filter((e) => e.name === 'held').length).toBe(held + 1);
    await expect
      .poll(() => h.events.filter((e) => e.name === 'resumed').length, { timeout: 5000 })
      .toBe(resumed + 1);
    // Nobody was reserved; only the customer's call is in rtpengine, and it is heard again.
    expect(changes.slice(changed).filter((e) => e.agentId === 'a-1002')).toEqual([]);
    expect(h.agents.get('a-1002').work.size).toBe(0);
    expect((await h.rtp.client.list()).length).toBe(1);
    const in0 = (await audioStats(p1)).packetsReceived;
    await expect
      .poll(async () => (await audioStats(p1)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(in0 + 20);
    await hangUp(p1);
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
    await p1.close();
    await p2.close();
  }, 90_000);
  it('cancel while the queue agent rings: the agent is released, ready again', async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    await goReady(p2);
    const { hangUp } = await customerOn(desk, p1, 'caller-consult-queue-cancel', 7);

    await p1.getByLabel('Transfer to').selectOption('queue-support');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await expect
      .poll(() => [...h.agents.get('a-1002').work.values()].map((w) => w.state), { timeout: 5000 })
      .toEqual([AgentState.RINGING]);
    await p1.getByRole('button', { name: 'Cancel consult' }).click();
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    await p2.locator('#toast').waitFor({ state: 'hidden', timeout: 5000 });
    // Released by routing (not a missed call): ready, with no work.
    await expect.poll(() => h.agents.get('a-1002').work.size, { timeout: 5000 }).toBe(0);
    expect(h.agents.get('a-1002').isAvailable(Channel.VOICE)).toBe(true);
    await expect.poll(() => text(p2, '#state-badge')).toBe('ready');
    await expect.poll(async () => (await h.rtp.client.list()).length, { timeout: 5000 }).toBe(1);
    await hangUp(p1);
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
    await p1.close();
    await p2.close();
  }, 90_000);
  it("the queue's agent does not answer: not ready (missed), the customer is resumed", async () => {
    const { h } = desk;
    const [p1, p2] = await twoDesktops(desk, chrome);
    await goReady(p2);
    const { hangUp } = await customerOn(desk, p1, 'caller-consult-queue-rna', 7);
    const resumed = h.events.filter((e) => e.name === 'resumed').length;

    await p1.getByLabel('Transfer to').selectOption('queue-help');
    await p1.getByRole('button', { name: 'Consult' }).click();
    await p2.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    // Nobody answers within the queue's 3 s ring timeout.
    await expect
      .poll(() => text(p1, '#banner'), { timeout: 10_000 })
      .toBe('Queue help: No answer from Agent 1002. You are back with the customer.');
    await expect.poll(() => text(p1, '#call-state')).toBe('On call');
    await expect
      .poll(() => h.events.filter((e) => e.name === 'resumed').length, { timeout: 5000 })
      .toBe(resumed + 1);
    const a2 = h.agents.get('a-1002');
    expect(a2.work.size).toBe(0);
    expect([a2.presence, a2.reasonId]).toEqual([AgentState.NOT_READY, 'no-answer']);
    await expect.poll(() => text(p2, '#state-badge')).toMatch(/^Not ready/);
    await hangUp(p1);
    await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
    await p1.close();
    await p2.close();
  }, 90_000);
});
