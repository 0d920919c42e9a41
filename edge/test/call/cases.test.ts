/**
 * The call cases, each on its own edge (config, ports, database, rtpengine): abandon in IVR, in
 * queue and while an agent rings; agent no-answer and busy; overflow; agent hang-up; hold/resume;
 * blind transfer to an agent and to an outside number through a trunk that challenges.
 */
import { AgentState } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { agentOn, queueOf } from './fixtures.ts';
import type { Harness } from './harness.ts';
import { type Bundle, call, legs, ok, oneCdr, phone, withEdge } from './kit.ts';
import type { AgentAction } from './scenarios.ts';

const talk: AgentAction[] = [{ audio: true }, { waitBye: true }];

/** Times (ms from now) at which music on hold (a looped `play media`) goes to the real rtpengine. */
function musicStarts(h: Harness): number[] {
  const t0 = Date.now();
  const starts: number[] = [];
  const client = h.rtp.client;
  const play = client.playMedia.bind(client);
  client.playMedia = (req) => {
    if (req.repeatTimes !== undefined) starts.push(Date.now() - t0);
    return play(req);
  };
  return starts;
}

describe('call cases', () => {
  it('caller hangs up in the IVR: abandoned at the menu, nothing left in rtpengine', async () => {
    await withEdge(
      'ivrabandon',
      { agents: [agentOn('a-1001', '1001', { sales: 5 }, await freePort())] },
      async (h) => {
        await call(h, [{ pause: 800 }, { bye: true }]);
        const cdr = await oneCdr(h);
        expect(cdr).toMatchObject({
          disposition: 'ABANDONED',
          ended_by: 'CALLER',
          queue_id: '',
          agent_id: '',
        });
        const ab = h.events.find((e) => e.name === 'abandoned')?.payload as {
          nodeId: string;
          flowId: string;
        };
        expect(ab).toMatchObject({ flowId: 'main', nodeId: 'menu' });
        expect(await h.rtp.client.list()).toEqual([]);
      },
    );
  });

  it('caller hangs up in the queue (no agent ready); then a DTMF choice by SIP INFO', async () => {
    await withEdge(
      'qabandon',
      { agents: [agentOn('a-1001', '1001', { sales: 5 }, await freePort())] },
      async (h) => {
        h.agents.logout('a-1001');
        const music = musicStarts(h);
        await call(h, [{ pause: 900 }, { info: '1' }, { pause: 1500 }, { bye: true }]);
        const cdr = await oneCdr(h);
        expect(cdr).toMatchObject({ disposition: 'ABANDONED', ended_by: 'CALLER', queue_id: 'sales' });
        expect(Number(cdr['queue_wait_ms'])).toBeGreaterThan(1000);
        // Music on hold once the caller has waited a second in the queue (the choice came at ~0.9 s).
        expect(music).toHaveLength(1);
        expect(music[0]).toBeGreaterThanOrEqual(1800);
        expect(await h.rtp.client.list()).toEqual([]);
      },
    );
  });

  it('caller hangs up while the agent rings: the agent leg is CANCELled', async () => {
    const port = await freePort();
    await withEdge('ringabandon', { agents: [agentOn('a-1001', '1001', { sales: 5 }, port)] }, async (h) => {
      const agent = phone(h, port, { ringMs: 0, answer: false });
      const music = musicStarts(h);
      await call(h, [{ pause: 1000 }, { dtmf: '1' }, { pause: 2000 }, { bye: true }]);
      await ok(agent);
      // The agent rang at once and did not answer: the caller hears music while it rings.
      expect(music).toHaveLength(1);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({
        disposition: 'ABANDONED',
        ended_by: 'CALLER',
        queue_id: 'sales',
        agent_id: '',
      });
      expect((await legs(h)).map((l) => [l.role, l.result])).toEqual([
        ['caller', 'answered'],
        ['agent', 'cancelled'],
      ]);
      expect(h.agents.get('a-1001').presence).toBe(AgentState.READY);
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });

  it('agent does not answer within the ring timeout: CANCEL, set not ready, the next agent gets the call and hangs up', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const bundle: Bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, p1), agentOn('a-1003', '1003', { sales: 5 }, p2)],
      queues: [queueOf('sales', { ringTimeoutSeconds: 2 }), queueOf('support')],
    };
    await withEdge('noanswer', bundle, async (h) => {
      const first = phone(h, p1, { ringMs: 0, answer: false });
      const second = phone(h, p2, {
        ringMs: 200,
        actions: [{ audio: true }, { pause: 1500 }, { bye: true }],
      });
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { waitBye: true }]);
      await ok(first);
      await ok(second);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({
        disposition: 'ANSWERED',
        ended_by: 'AGENT',
        agent_id: 'a-1003',
        queue_id: 'sales',
      });
      expect(Number(cdr['ring_ms'])).toBeGreaterThan(1900);
      expect((await legs(h)).map((l) => [l.role, l.agent_id, l.result])).toEqual([
        ['caller', '', 'answered'],
        ['agent', 'a-1001', 'cancelled'],
        ['agent', 'a-1003', 'answered'],
      ]);
      const a1 = h.agents.get('a-1001');
      expect([a1.presence, a1.reasonId]).toEqual([AgentState.NOT_READY, 'no-answer']);
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });

  it('agent busy (486): the next agent gets the call', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const bundle: Bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, p1), agentOn('a-1003', '1003', { sales: 5 }, p2)],
    };
    await withEdge(
      'busy',
      bundle,
      async (h) => {
        const first = phone(h, p1, { ringMs: 100, busy: true });
        const second = phone(h, p2, { ringMs: 100, actions: talk });
        const music = musicStarts(h);
        await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 1500 }, { bye: true }]);
        await ok(first);
        await ok(second);
        const cdr = await oneCdr(h);
        expect(cdr).toMatchObject({ disposition: 'ANSWERED', ended_by: 'CALLER', agent_id: 'a-1003' });
        // Taken at once (the busy agent refused at once, the next answered): no music was started.
        expect(music).toEqual([]);
        expect((await legs(h)).map((l) => [l.agent_id, l.result, l.final_status])).toEqual([
          ['', 'answered', 200],
          ['a-1001', 'busy', 486],
          ['a-1003', 'answered', 200],
        ]);
      },
      { queueMusicDelayMs: 3000 },
    );
  });

  it('overflow after the max wait: sales has nobody, the call moves to support and its agent', async () => {
    const port = await freePort();
    const bundle: Bundle = {
      agents: [agentOn('a-1002', '1002', { support: 5 }, port)],
      queues: [
        queueOf('sales', { maxWaitSeconds: 2, overflow: { target: { case: 'queueId', value: 'support' } } }),
        queueOf('support'),
      ],
    };
    await withEdge('overflow', bundle, async (h) => {
      const agent = phone(h, port, { ringMs: 100, actions: talk });
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 3500 }, { bye: true }]);
      await ok(agent);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'ANSWERED', agent_id: 'a-1002', queue_id: 'support' });
      expect(Number(cdr['queue_wait_ms'])).toBeGreaterThan(1900);
    });
  });

  it('hold and resume by re-INVITE from the agent; the agent hangs up', async () => {
    const port = await freePort();
    await withEdge('hold', { agents: [agentOn('a-1001', '1001', { sales: 5 }, port)] }, async (h) => {
      const agent = phone(h, port, {
        ringMs: 100,
        actions: [
          { audio: true },
          { pause: 500 },
          { hold: 'sendonly' },
          { pause: 1500 },
          { hold: 'sendrecv' },
          { pause: 500 },
          { bye: true },
        ],
      });
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }]);
      await ok(agent);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'ANSWERED', ended_by: 'AGENT', agent_id: 'a-1001' });
      expect(Number(cdr['hold_ms'])).toBeGreaterThan(1300);
      expect(Number(cdr['hold_ms'])).toBeLessThan(2500);
      expect(h.events.map((e) => e.name)).toEqual(expect.arrayContaining(['held', 'resumed']));
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });

  it('blind transfer (REFER) from one agent to another', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const bundle: Bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, p1), agentOn('a-1002', '1002', { support: 5 }, p2)],
    };
    await withEdge('blind', bundle, async (h) => {
      const first = phone(h, p1, {
        ringMs: 100,
        actions: [{ audio: true }, { pause: 800 }, { refer: 'sip:1002@127.0.0.1' }],
      });
      const second = phone(h, p2, {
        ringMs: 200,
        actions: [{ audio: true }, { pause: 1000 }, { bye: true }],
      });
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }]);
      await ok(first);
      await ok(second);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({
        disposition: 'ANSWERED',
        ended_by: 'AGENT',
        agent_id: 'a-1002',
        transfer_count: 1,
      });
      expect((await legs(h)).map((l) => [l.agent_id, l.result])).toEqual([
        ['', 'answered'],
        ['a-1001', 'answered'],
        ['a-1002', 'answered'],
      ]);
      expect(h.events.find((e) => e.name === 'transferred')?.payload).toMatchObject({
        fromAgentId: 'a-1001',
        target: { case: 'agentId', value: 'a-1002' },
      });
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });

  it('blind transfer to an outside number through the carrier trunk, which challenges (digest)', async () => {
    const [p1, carrier] = [await freePort(), await freePort()];
    const bundle: Bundle = { agents: [agentOn('a-1001', '1001', { sales: 5 }, p1)], carrierPort: carrier };
    await withEdge('external', bundle, async (h) => {
      await h.secrets.setPassword('trunk/carrier', 'carrier-secret');
      const agent = phone(h, p1, {
        ringMs: 100,
        actions: [{ audio: true }, { pause: 500 }, { refer: 'sip:+15557654321@127.0.0.1' }],
      });
      const out = phone(h, carrier, {
        ringMs: 200,
        auth: { user: 'edge-hq', password: 'carrier-secret' },
        actions: [{ audio: true }, { pause: 1000 }, { bye: true }],
      });
      // The customer's call and the leg out both hold a channel of the carrier trunk.
      let peak = 0;
      const sample = setInterval(() => {
        peak = Math.max(peak, h.registry.callsOnTrunk('carrier'));
      }, 10);
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }]);
      clearInterval(sample);
      await ok(agent);
      await ok(out);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'TRANSFERRED_EXTERNAL', transfer_count: 1 });
      expect(peak).toBe(2);
      expect(h.registry.callsOnTrunk('carrier')).toBe(0);
      expect((await legs(h)).map((l) => [l.role, l.result, l.final_status])).toEqual([
        ['caller', 'answered', 200],
        ['agent', 'answered', 200],
        ['external', 'answered', 200],
      ]);
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });

  it('blind transfer out through a trunk whose every channel is taken (the customer holds the only one): refused, the call fails', async () => {
    const p1 = await freePort();
    const bundle: Bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, p1)],
      carrierPort: await freePort(),
      carrierMaxCalls: 1,
    };
    await withEdge('trunkfull', bundle, async (h) => {
      const agent = phone(h, p1, {
        ringMs: 100,
        actions: [{ audio: true }, { pause: 500 }, { refer: 'sip:+15557654321@127.0.0.1' }],
      });
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }]);
      await ok(agent);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'FAILED', ended_by: 'SYSTEM', transfer_count: 1 });
      const steps = await h.query<{ kind: string }>(sql`select kind from cdr_steps order by id`);
      expect(steps.map((x) => x.kind)).toContain('trunk-full');
      expect(h.registry.callsOnTrunk('carrier')).toBe(0);
      expect(await h.rtp.client.list()).toEqual([]);
    });
  });
});
