/**
 * The whole inbound path with real peers: SIPp caller (PCMA + RFC 4733 from the sip-tester pcaps)
 * -> edge pipeline -> IVR prompts from rtpengine -> DTMF choice -> queue with music -> agent phone
 * (SIPp UAS) -> conversation both ways -> hang-up -> CDR, events, recording, no rtpengine session.
 */
import { readFile } from 'node:fs/promises';
import { decodeEvent } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readPcm16Wav } from '../../src/media/wav.ts';
import { agentOn, CALLER, callBundle, DID } from './fixtures.ts';
import { type Harness, startHarness } from './harness.ts';
import { agentScenario, callerScenario, writeScenario } from './scenarios.ts';

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe('inbound call through IVR and queue to an agent', () => {
  let h: Harness;
  let salesPort: number;
  let supportPort: number;
  beforeAll(async () => {
    salesPort = await freePort();
    supportPort = await freePort();
    h = await startHarness({
      pgUrl: inject('pgUrl'),
      name: 'inbound',
      bundle: () =>
        callBundle({
          record: true,
          agents: [
            agentOn('a-1001', '1001', { sales: 5 }, salesPort),
            agentOn('a-1002', '1002', { support: 5 }, supportPort),
          ],
        }),
    });
    h.agents.login('a-1001');
    h.agents.login('a-1002');
  });
  afterAll(() => h?.close());

  it('menu choice 1 reaches sales and its agent; both talk; the caller hangs up; CDR, events and WAV match', async () => {
    const agentXml = await writeScenario(
      h.dir,
      'agent',
      agentScenario({ ringMs: 300, actions: [{ audio: true }, { waitBye: true }] }),
    );
    const agent = h.sippBg(agentXml, ['-p', String(salesPort)]);
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
          { pause: 5500 },
          { bye: true },
        ],
      }),
    );
    const caller = await h.sipp(callerXml, []);
    expect(caller.code, caller.output).toBe(0);
    const a = await agent.done;
    expect(a.code, a.output).toBe(0);

    await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length).toBe(1);
    const [cdr] = await h.query<Record<string, unknown>>(sql`select * from cdrs`);
    expect(cdr).toMatchObject({
      disposition: 'ANSWERED',
      ended_by: 'CALLER',
      queue_id: 'sales',
      agent_id: 'a-1001',
      caller_number: CALLER,
      called_number: DID,
      trunk_id: 'carrier',
      did_id: 'did-main',
      recorded: true,
    });
    expect(Number(cdr!['talk_ms'])).toBeGreaterThan(4000);
    expect(Number(cdr!['ivr_ms'])).toBeGreaterThan(500);
    const legs = await h.query<{ role: string; result: string; agent_id: string }>(
      sql`select role, result, agent_id from cdr_legs order by id`,
    );
    expect(legs).toEqual([
      { role: 'caller', result: 'answered', agent_id: '' },
      { role: 'agent', result: 'answered', agent_id: 'a-1001' },
    ]);
    const steps = (await h.query<{ kind: string }>(sql`select kind from cdr_steps order by id`)).map(
      (s) => s.kind,
    );
    expect(steps).toEqual(expect.arrayContaining(['ivr', 'queued', 'connected']));
    expect(await h.rtp.client.list()).toEqual([]);

    // Events: the flow's choice, the queue, the agent, the end; the caller only as a pseudonym.
    await h.bridge.flush();
    const payloads = await h.query<{ payload: Uint8Array }>(
      sql`select payload from event_outbox order by id`,
    );
    const bodies = payloads
      .map((p) => decodeEvent(p.payload).body)
      .map((b) => (b.case === 'interaction' ? b.value.body.case : b.case));
    expect(bodies.filter((b) => b !== 'agentStateChanged')).toEqual([
      'offered',
      'ivrChoice',
      'queued',
      'agentRinging',
      'answered',
      'ended',
    ]);
    expect(bodies.filter((b) => b === 'agentStateChanged').length).toBeGreaterThanOrEqual(4);
    for (const p of payloads)
      expect(Buffer.from(p.payload).includes(Buffer.from(CALLER.slice(1)))).toBe(false);

    // The recording: stereo, audio left (caller) and right (agent), as long as the call.
    const session = h.events.find((e) => e.name === 'ended')!.payload as {
      interactionId: string;
      totalMs: number;
    };
    await expect
      .poll(async () => (await h.query(sql`select 1 from recordings`)).length, { timeout: 15_000 })
      .toBe(1);
    const [rec] = await h.query<{ path: string; sha256: string; duration_ms: number }>(
      sql`select * from recordings`,
    );
    const wav = readPcm16Wav(await readFile(rec!.path));
    expect(wav.channels).toHaveLength(2);
    expect(rms(wav.channels[0]!)).toBeGreaterThan(100);
    expect(rms(wav.channels[1]!)).toBeGreaterThan(100);
    expect(Math.abs(rec!.duration_ms - session.totalMs)).toBeLessThan(500);
    expect(rec!.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});
