/**
 * The desktop over HTTPS and WSS in real Chromium: the page and the agent API served with a
 * throwaway certificate, the softphone registering over wss:// (SIP over secure WebSocket) and
 * answering a SIPp caller with audio both ways.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeTestCert } from '../../src/sip/transport/test-cert.ts';
import { CALLER, callBundle, DID, queueOf } from '../call/fixtures.ts';
import { callerScenario, writeScenario } from '../call/scenarios.ts';
import { audioStats, login, startChromium, type TestBrowser } from './browser.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';

describe('agent desktop over HTTPS and WSS', () => {
  let desk: Desk;
  let chrome: TestBrowser;

  beforeAll(async () => {
    const { cert, key } = makeTestCert();
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'desk_tls',
      bundle: callBundle({ agents: [webAgent('a-1001', '1001')], queues: [queueOf('sales')] }),
      tls: { cert: cert.toString('utf8'), key: key.toString('utf8') },
    });
    chrome = await startChromium();
  });

  afterAll(async () => {
    await chrome?.close();
    await desk?.close();
  });

  it('registers over wss:// and answers a call with audio', async () => {
    const { h, base } = desk;
    expect(base).toMatch(/^https:\/\//);
    const p = await chrome.page(`${base}/desktop/`, { insecure: true });
    await login(p, '1001', 'pw-1001');
    const [binding] = await h.bindings.contactsOf('web-a-1001');
    expect(binding?.source.protocol).toBe('WSS');
    expect(await p.evaluate(() => location.protocol)).toBe('https:');

    await p.getByRole('button', { name: 'Ready', exact: true }).click();
    const caller = h.sipp(
      await writeScenario(
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
      ),
      [],
      { timeoutS: 60 },
    );
    await p.locator('#toast').waitFor({ state: 'visible', timeout: 15_000 });
    await p.getByRole('button', { name: /^Answer/ }).click();
    await p.locator('#incall').waitFor({ state: 'visible', timeout: 10_000 });
    await expect
      .poll(async () => (await audioStats(p)).packetsReceived, { timeout: 8000 })
      .toBeGreaterThan(50);
    await expect.poll(async () => (await audioStats(p)).audioLevel, { timeout: 5000 }).toBeGreaterThan(0);
    const [interactionId] = [...h.registry.all()].map((s) => s.interactionId);
    const totals0 = (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets;
    await expect
      .poll(async () => (await h.rtp.client.query({ callId: interactionId! })).totals.rtpPackets - totals0, {
        timeout: 5000,
      })
      .toBeGreaterThan(50);
    await p.keyboard.press('Alt+H');
    const run = await caller;
    expect(run.code, run.output).toBe(0);
  }, 90_000);
});
