import { AbandonStage, AgentState, AgentStateCause, QueueEntry } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import type { AcdEvents } from './events.ts';
import { BUSY_BACKOFF_MS } from './router.ts';

describe('ACD lifecycle', () => {
  it('ring timeout: caller back to the FRONT, agent NOT_READY(missed), next agent tried with attempt 2', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 }), agent('b', { sales: 1 })] }),
    );
    const ringing: AcdEvents['agentRinging'][] = [];
    h.observer.on('agentRinging', (e) => ringing.push(e));
    h.ready('a');
    void h.enqueue('c1', 'sales');
    await h.clock.advance(1000);
    void h.enqueue('c2', 'sales', { priority: 0 });
    expect(h.port.open).toEqual(['a/c1']);
    await h.clock.advance(15_000);
    expect(h.port.offers[0]!.result).toBe('cancelled');
    const a = h.agents.get('a');
    expect([a.presence, a.reasonId]).toEqual([AgentState.NOT_READY, 'missed']);
    expect(h.states.at(-1)).toMatchObject({
      agentId: 'a',
      toState: AgentState.NOT_READY,
      cause: AgentStateCause.RING_NO_ANSWER,
      notReadyReasonId: 'missed',
    });
    expect(h.acd.entryOf('c1')?.queue.waiting.get(1)?.head()?.interactionId).toBe('c1');
    h.ready('b');
    expect(h.port.open).toEqual(['b/c1']);
    expect(ringing.map((r) => [r.agentId, r.attempt])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('an offer that finds the interaction gone abandons it: never offered again, every agent free', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 }), agent('b', { sales: 1 })] }),
    );
    const abandoned: AcdEvents['abandoned'][] = [];
    h.observer.on('abandoned', (e) => abandoned.push(e));
    h.ready('a');
    h.ready('b');
    void h.enqueue('c1', 'sales');
    expect(h.port.open).toEqual(['a/c1']);
    h.port.refuse('a', 'gone');
    await h.flush();
    expect(h.port.open).toEqual([]);
    expect(h.port.offers).toHaveLength(1);
    expect(abandoned.map((e) => [e.interactionId, AbandonStage[e.stage], e.agentId])).toEqual([
      ['c1', 'RINGING', 'a'],
    ]);
    expect(h.exits.get('c1')).toEqual({ kind: 'abandoned', queueId: 'sales' });
    expect([h.agents.get('a').presence, h.agents.get('b').presence]).toEqual([
      AgentState.READY,
      AgentState.READY,
    ]);
    expect(h.acd.entryOf('c1')).toBeUndefined();
  });

  it('a front-requeued caller goes ahead of a higher-priority newcomer', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 }), agent('b', { sales: 1 })] }),
    );
    h.ready('a');
    void h.enqueue('c1', 'sales');
    void h.enqueue('vip', 'sales', { priority: 50 });
    h.port.refuse('a', 'no-answer');
    await h.flush();
    h.ready('b');
    expect(h.port.open).toEqual(['b/c1']);
  });

  it('busy leaves the agent ready and tries another agent; unreachable sets NOT_READY(device)', async () => {
    const h = harness(
      acdBundle({
        queues: [queue('sales', { ringNoAnswerReasonId: '' })],
        agents: ['a', 'b'].map((id) => agent(id, { sales: 1 })),
      }),
    );
    h.ready('a');
    await h.clock.advance(10);
    h.ready('b');
    void h.enqueue('c1', 'sales');
    expect(h.port.open).toEqual(['a/c1']);
    h.port.refuse('a', 'busy');
    await h.flush();
    expect(h.agents.get('a').presence).toBe(AgentState.READY);
    expect(h.port.open).toEqual(['b/c1']);
    h.port.refuse('b', 'unreachable');
    await h.flush();
    expect(h.agents.get('b').presence).toBe(AgentState.NOT_READY);
    expect(h.states.filter((s) => s.agentId === 'b').at(-1)?.cause).toBe(AgentStateCause.DEVICE);
    // a is the only one left, but its device said busy: it is offered nothing for BUSY_BACKOFF_MS
    // (not the same INVITE again at once), then gets the caller.
    expect(h.port.open).toEqual([]);
    expect(h.agents.get('a').presence).toBe(AgentState.READY);
    await h.clock.advance(BUSY_BACKOFF_MS - 10);
    expect(h.port.open).toEqual([]);
    await h.clock.advance(10);
    expect(h.port.open).toEqual(['a/c1']);
  });

  it('a NOT_READY agent gets nothing until ready; not-ready during a call applies after it', async () => {
    const h = harness(acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 })] }));
    h.agents.login('a');
    h.agents.setNotReady('a', 'break');
    void h.enqueue('c1', 'sales');
    void h.enqueue('c2', 'sales');
    expect(h.port.open).toEqual([]);
    h.agents.setReady('a');
    h.port.answer('a');
    await h.flush();
    h.agents.setNotReady('a', 'lunch');
    h.acd.complete('c1');
    expect(h.port.open).toEqual([]);
    expect(h.agents.get('a').displayState()).toBe(AgentState.NOT_READY);
  });

  it('overflows after max wait to another queue, then to a mailbox', async () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('sales', { maxWaitSeconds: 60, overflow: { target: { case: 'queueId', value: 'support' } } }),
          queue('support', {
            maxWaitSeconds: 30,
            overflow: { target: { case: 'mailboxId', value: 'general' } },
          }),
        ],
        agents: [agent('a', { sales: 1 })],
      }),
    );
    const queued: AcdEvents['queued'][] = [];
    h.observer.on('queued', (e) => queued.push(e));
    void h.enqueue('c1', 'sales');
    await h.clock.advance(59_999);
    expect(queued).toHaveLength(1);
    await h.clock.advance(1);
    expect(queued[1]).toMatchObject({
      queueId: 'support',
      entry: QueueEntry.OVERFLOW,
      overflowFromQueueId: 'sales',
    });
    await h.clock.advance(30_000);
    expect(h.exits.get('c1')).toEqual({
      kind: 'overflow',
      target: { kind: 'mailbox', mailboxId: 'general' },
      fromQueueId: 'support',
    });
    expect(h.clock.pending).toBe(0);
  });

  it('overflows to a flow node, or hangs up without a target; max waiting overflows at once', async () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('sales', {
            maxWaiting: 1,
            overflow: { target: { case: 'flowNode', value: { flowId: 'main', nodeId: 'vm' } } },
          }),
          queue('support', { maxWaitSeconds: 5 }),
        ],
        agents: [agent('a', { sales: 1 })],
      }),
    );
    void h.enqueue('c1', 'sales');
    void h.enqueue('c2', 'sales');
    await h.flush();
    expect(h.exits.get('c2')).toEqual({
      kind: 'overflow',
      target: { kind: 'flowNode', flowId: 'main', nodeId: 'vm' },
      fromQueueId: 'sales',
    });
    expect(h.events).not.toContain('queued:c2');
    void h.enqueue('c3', 'support');
    await h.clock.advance(5000);
    expect(h.exits.get('c3')).toEqual({
      kind: 'overflow',
      target: { kind: 'hangup' },
      fromQueueId: 'support',
    });
  });

  it('max wait passing during an offer overflows when the offer fails, not mid-ring', async () => {
    const h = harness(
      acdBundle({
        queues: [
          queue('sales', {
            maxWaitSeconds: 10,
            overflow: { target: { case: 'mailboxId', value: 'general' } },
          }),
        ],
        agents: [agent('a', { sales: 1 })],
      }),
    );
    h.ready('a');
    void h.enqueue('c1', 'sales');
    await h.clock.advance(12_000);
    expect(h.port.open).toEqual(['a/c1']);
    h.port.refuse('a', 'no-answer');
    await h.flush();
    expect(h.exits.get('c1')).toMatchObject({ kind: 'overflow', target: { kind: 'mailbox' } });
  });

  it('abandon in queue and while ringing: agent freed, Abandoned with the stage', async () => {
    const h = harness(acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 })] }));
    const abandoned: AcdEvents['abandoned'][] = [];
    h.observer.on('abandoned', (e) => abandoned.push(e));
    void h.enqueue('c1', 'sales');
    void h.enqueue('c2', 'sales');
    await h.clock.advance(3000);
    h.acd.abandon('c2');
    h.ready('a');
    expect(h.port.open).toEqual(['a/c1']);
    await h.clock.advance(2000);
    h.acd.abandon('c1');
    await h.flush();
    expect(h.port.offers[0]!.result).toBe('cancelled');
    expect(h.agents.get('a').displayState()).toBe(AgentState.READY);
    expect(abandoned.map((e) => [e.interactionId, AbandonStage[e.stage], e.waitMs, e.agentId])).toEqual([
      ['c2', 'QUEUE', 3000n, ''],
      ['c1', 'RINGING', 5000n, 'a'],
    ]);
    expect(h.exits.get('c1')).toEqual({ kind: 'abandoned', queueId: 'sales' });
    expect(h.port.offers[0]!.req.claim()).toBe(false); // a late 200 OK loses
    expect(h.clock.pending).toBe(0);
  });

  it('a caller gone before it was queued (abandon right after enqueue) is counted once and offered to nobody', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales')], agents: [agent('a', { sales: 1 }), agent('b', { sales: 1 })] }),
    );
    const queued: AcdEvents['queued'][] = [];
    const abandoned: AcdEvents['abandoned'][] = [];
    h.observer.on('queued', (e) => queued.push(e));
    h.observer.on('abandoned', (e) => abandoned.push(e));
    h.ready('a');
    h.ready('b');
    void h.enqueue('gone', 'sales');
    h.acd.abandon('gone');
    await h.flush();
    await h.clock.advance(30_000);
    expect(h.exits.get('gone')).toEqual({ kind: 'abandoned', queueId: 'sales' });
    expect(queued.map((e) => e.interactionId)).toEqual(['gone']);
    expect(abandoned.map((e) => [e.interactionId, e.waitMs])).toEqual([['gone', 0n]]);
    expect(h.port.offers.map((o) => o.result)).toEqual(['cancelled']);
    expect(h.port.open).toEqual([]);
    expect(['a', 'b'].map((id) => h.agents.get(id).displayState())).toEqual([
      AgentState.READY,
      AgentState.READY,
    ]);
    expect(h.acd.entryOf('gone')).toBeUndefined();
  });

  it('a port that never resolves cannot hold the caller: the ring timer settles it', async () => {
    const h = harness(
      acdBundle({ queues: [queue('sales', { ringTimeoutSeconds: 5 })], agents: [agent('a', { sales: 1 })] }),
    );
    h.port.autoRing = false;
    h.ready('a');
    void h.enqueue('c1', 'sales');
    expect(h.agents.get('a').displayState()).toBe(AgentState.RESERVED);
    await h.clock.advance(5000);
    expect(h.agents.get('a').presence).toBe(AgentState.NOT_READY);
    expect(h.acd.entryOf('c1')?.state).toBe('waiting');
  });

  it('config change: a waiting caller keeps its version (ring timeout, skills); new callers use the new one', async () => {
    const v1 = acdBundle({
      version: 1n,
      queues: [queue('sales', { ringTimeoutSeconds: 10 })],
      agents: [agent('a', { sales: 1 }), agent('b', { sales: 1 })],
    });
    const v2 = acdBundle({
      version: 2n,
      queues: [
        queue('sales', { ringTimeoutSeconds: 30, requiredSkills: [{ skillId: 'sales', minLevel: 5 }] }),
      ],
      agents: [agent('a', { sales: 1 }), agent('b', { sales: 7 })],
    });
    const h = harness(v1);
    void h.enqueue('old', 'sales');
    h.apply(v2);
    void h.enqueue('new', 'sales');
    expect(h.acd.versions).toEqual([1n, 2n]);
    h.ready('a');
    expect(h.port.open).toEqual(['a/old']); // a (level 1) is eligible only under v1
    expect(h.port.offers[0]!.req.interaction.configVersion).toBe(1n);
    await h.clock.advance(10_000); // v1 ring timeout
    expect(h.port.open).toEqual([]);
    h.ready('b');
    expect(h.port.open).toEqual(['b/old']);
    h.port.answer('b');
    await h.flush();
    h.acd.complete('old');
    expect(h.acd.versions).toEqual([2n]);
    expect(h.port.open).toEqual(['b/new']);
    await h.clock.advance(29_999);
    expect(h.port.open).toEqual(['b/new']);
  });
});
