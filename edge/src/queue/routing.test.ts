import { AgentState, Channel, RoutingStrategy } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import { ChannelNotAcceptedError, UnknownQueueError } from './errors.ts';
import { queueSnapshot, waitEstimate } from './stats.ts';

describe('ACD routing', () => {
  it('offers to a ready agent, connects on answer, wraps up, then serves the next caller', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales', { wrapUpSeconds: 10 })], agents: [agent('a1', { sales: 5 })] }),
    );
    h.ready('a1');
    void h.enqueue('c1', 'sales');
    void h.enqueue('c2', 'sales');
    expect(h.port.open).toEqual(['a1/c1']);
    expect(h.agents.get('a1').displayState()).toBe(AgentState.RINGING);
    h.port.answer('a1');
    await h.flush();
    expect(h.exits.get('c1')).toMatchObject({ kind: 'answered', agentId: 'a1', queueId: 'sales' });
    expect(h.agents.get('a1').displayState()).toBe(AgentState.ON_CALL);
    await h.clock.advance(60_000);
    h.acd.complete('c1');
    expect(h.agents.get('a1').displayState()).toBe(AgentState.WRAP_UP);
    expect(h.port.open).toEqual([]);
    await h.clock.advance(10_000);
    expect(h.port.open).toEqual(['a1/c2']);
    expect(h.events.slice(0, 4)).toEqual(['queued:c1', 'agentRinging:c1', 'queued:c2', 'answered:c1']);
    expect(h.states.map((s) => `${AgentState[s.fromState]}>${AgentState[s.toState]}`)).toEqual([
      'LOGGED_OUT>NOT_READY',
      'NOT_READY>READY',
      'READY>RESERVED',
      'RESERVED>RINGING',
      'RINGING>ON_CALL',
      'ON_CALL>WRAP_UP',
      'WRAP_UP>READY',
      'READY>RESERVED',
      'RESERVED>RINGING',
    ]);
  });

  it('requires every skill at its minimum level', () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('sales', {
            requiredSkills: [
              { skillId: 'sales', minLevel: 3 },
              { skillId: 'fr', minLevel: 1 },
            ],
          }),
        ],
        agents: [
          agent('low', { sales: 2, fr: 5 }),
          agent('nofr', { sales: 9 }),
          agent('ok', { sales: 3, fr: 1 }),
        ],
      }),
    );
    h.ready('low', 'nofr');
    void h.enqueue('c1', 'sales');
    expect(h.port.open).toEqual([]);
    h.ready('ok');
    expect(h.port.open).toEqual(['ok/c1']);
  });

  it('serves higher priority first, FIFO within a priority, and higher-priority queues first', async () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('sales', { priority: 1 }),
          queue('vip', { priority: 5, requiredSkills: [{ skillId: 'sales', minLevel: 1 }] }),
        ],
        agents: [agent('a1', { sales: 5 })],
      }),
    );
    void h.enqueue('old', 'sales');
    await h.clock.advance(1000);
    void h.enqueue('new', 'sales');
    await h.clock.advance(1000);
    void h.enqueue('urgent', 'sales', { priority: 9 });
    await h.clock.advance(1000);
    void h.enqueue('vip', 'vip', { priority: 0 });
    const served: string[] = [];
    h.ready('a1');
    for (let i = 0; i < 4; i++) {
      const [open] = h.port.open;
      served.push(open!.split('/')[1]!);
      h.port.answer('a1');
      await h.flush();
      h.acd.complete(open!.split('/')[1]!);
    }
    expect(served).toEqual(['vip', 'urgent', 'old', 'new']);
  });

  it('longest idle picks the agent free the longest', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: ['a', 'b', 'c'].map((id) => agent(id, { sales: 1 })) }),
    );
    h.ready('b');
    await h.clock.advance(1000);
    h.ready('a');
    await h.clock.advance(1000);
    h.ready('c');
    void h.enqueue('c1', 'sales');
    void h.enqueue('c2', 'sales');
    expect(h.port.open).toEqual(['b/c1', 'a/c2']);
  });

  it('round robin continues after the agent offered last', async () => {
    const h = harness(
      acdBundle({
        queues: [queue('sales', { strategy: RoutingStrategy.ROUND_ROBIN })],
        agents: ['a', 'b', 'c'].map((id) => agent(id, { sales: 1 })),
      }),
    );
    h.ready('a', 'b', 'c');
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      void h.enqueue(`c${i}`, 'sales');
      const agentId = h.port.open[0]!.split('/')[0]!;
      order.push(agentId);
      h.port.answer(agentId);
      await h.flush();
      h.acd.complete(`c${i}`);
    }
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('skill weighted takes the highest summed level, ties to the longest idle', async () => {
    const h = harness(
      acdBundle({
        queues: [queue('support', { strategy: RoutingStrategy.SKILL_WEIGHTED })],
        agents: [agent('mid', { support: 5 }), agent('top1', { support: 9 }), agent('top2', { support: 9 })],
      }),
    );
    h.ready('mid', 'top2');
    await h.clock.advance(1000);
    h.ready('top1');
    void h.enqueue('c1', 'support');
    void h.enqueue('c2', 'support');
    void h.enqueue('c3', 'support');
    expect(h.port.open).toEqual(['top2/c1', 'top1/c2', 'mid/c3']);
  });

  it('ring all rings every eligible agent; the first claim wins and frees the others', async () => {
    const h = harness(
      acdBundle({
        queues: [queue('sales', { strategy: RoutingStrategy.RING_ALL })],
        agents: ['a', 'b', 'c'].map((id) => agent(id, { sales: 1 })),
      }),
    );
    h.ready('a', 'b', 'c');
    void h.enqueue('c1', 'sales');
    expect(h.port.open.sort()).toEqual(['a/c1', 'b/c1', 'c/c1']);
    const bOffer = h.port.offers.find((o) => o.req.agent.id === 'b')!;
    expect(h.port.answer('c')).toBe(true);
    await h.flush();
    expect(bOffer.req.claim()).toBe(false);
    expect(h.exits.get('c1')).toMatchObject({ kind: 'answered', agentId: 'c' });
    expect(h.port.open).toEqual([]);
    expect(h.agents.get('a').displayState()).toBe(AgentState.READY);
    expect(h.agents.get('b').displayState()).toBe(AgentState.READY);
    expect(h.agents.get('c').displayState()).toBe(AgentState.ON_CALL);
  });

  it('routes by per-channel capacity and rejects channels a queue does not accept', async () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('support', { channels: [Channel.VOICE, Channel.CHAT] }),
          queue('voiceonly', { requiredSkills: [{ skillId: 'support', minLevel: 1 }] }),
        ],
        agents: [
          agent(
            'a1',
            { support: 5 },
            {
              capacities: [
                { channel: Channel.VOICE, maxConcurrent: 1 },
                { channel: Channel.CHAT, maxConcurrent: 2 },
              ],
            },
          ),
        ],
      }),
    );
    h.ready('a1');
    for (const id of ['ch1', 'ch2', 'ch3']) void h.enqueue(id, 'support', { channel: Channel.CHAT });
    void h.enqueue('v1', 'support');
    void h.enqueue('v2', 'support');
    expect(h.port.open).toEqual(['a1/ch1', 'a1/ch2', 'a1/v1']);
    h.port.answer('a1', 'ch1');
    await h.flush();
    h.acd.complete('ch1');
    expect(h.port.open).toEqual(['a1/ch2', 'a1/v1', 'a1/ch3']);
    await expect(h.enqueue('x', 'voiceonly', { channel: Channel.CHAT })).rejects.toBeInstanceOf(
      ChannelNotAcceptedError,
    );
    await expect(h.enqueue('y', 'nope')).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it('computes position, expected wait and snapshots', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: [agent('a1', { sales: 1 }), agent('a2', { sales: 1 })] }),
    );
    h.agents.login('a1');
    h.agents.login('a2'); // staffed but NOT_READY
    for (const id of ['c1', 'c2', 'c3']) void h.enqueue(id, 'sales');
    await h.clock.advance(5000);
    expect(waitEstimate(h.acd, 'c3')).toEqual({
      queueId: 'sales',
      position: 3,
      waiting: 3,
      expectedWaitMs: 2 * 180_000,
    });
    expect(waitEstimate(h.acd, 'c1')?.expectedWaitMs).toBe(180_000);
    const q = h.acd.currentIndex!.queues.get('sales')!;
    expect(queueSnapshot(q, h.agents, h.clock.now())).toMatchObject({
      waiting: 3,
      longestWaitMs: 5000n,
      agents: [{ state: AgentState.NOT_READY, count: 2 }],
    });
  });
});
