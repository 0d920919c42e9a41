/**
 * A customer call rung straight at an agent (a DID whose target is the agent, no queue) whose phone
 * never answers the INVITE at all (nothing listens on its UDP port): after the no-response limit the
 * attempt fails as unreachable, the caller is released, and the agent is set not ready with the
 * ring-no-answer reason of the queue it serves, as the queue path does. An agent no queue with such
 * a reason covers stays ready.
 */
import { AgentState } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { describe, expect, it } from 'vitest';
import { NO_RESPONSE_MS } from '../../src/call/dialer.ts';
import { agentOn, DID, queueOf } from './fixtures.ts';
import { call, legs, noMediaLeft, oneCdr, withEdge } from './kit.ts';

const didTo = (agentId: string) =>
  ({ dids: [{ id: 'did-main', number: DID, target: { case: 'agentId', value: agentId } }] }) as never;

describe('direct call to an unreachable agent', () => {
  it('silent UDP contact: unreachable (408), the caller is released, the agent is not ready (no-answer)', async () => {
    const dead = await freePort();
    const bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, dead)],
      queues: [
        queueOf('sales', { ringNoAnswerReasonId: 'no-answer' }),
        queueOf('support', { ringNoAnswerReasonId: '' }),
      ],
      extra: didTo('a-1001'),
    };
    await withEdge('directunreach', bundle, async (h) => {
      expect(h.agents.get('a-1001').presence).toBe(AgentState.READY);
      const t0 = Date.now();
      await call(h, [{ waitBye: true }]);
      // Released once the phone stayed silent for the no-response limit, not after a ring timeout.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(NO_RESPONSE_MS);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED', ended_by: 'SYSTEM', queue_id: '' });
      expect((await legs(h)).map((l) => [l.role, l.agent_id, l.result, l.final_status])).toEqual([
        ['caller', '', 'answered', 200],
        ['agent', 'a-1001', 'unreachable', 408],
      ]);
      const a = h.agents.get('a-1001');
      expect([a.presence, a.reasonId, a.work.size]).toEqual([AgentState.NOT_READY, 'no-answer', 0]);
      await noMediaLeft(h);
    });
  }, 30_000);

  it('an agent no queue with a ring-no-answer reason covers stays ready', async () => {
    const dead = await freePort();
    const bundle = {
      agents: [agentOn('a-1002', '1002', { support: 5 }, dead)],
      queues: [
        queueOf('sales', { ringNoAnswerReasonId: 'no-answer' }),
        queueOf('support', { ringNoAnswerReasonId: '' }),
      ],
      extra: didTo('a-1002'),
    };
    await withEdge('directunreach2', bundle, async (h) => {
      await call(h, [{ waitBye: true }]);
      expect(await oneCdr(h)).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED' });
      expect((await legs(h)).map((l) => [l.agent_id, l.result])).toEqual([
        ['', 'answered'],
        ['a-1002', 'unreachable'],
      ]);
      const a = h.agents.get('a-1002');
      expect([a.presence, a.work.size]).toEqual([AgentState.READY, 0]);
      await noMediaLeft(h);
    });
  }, 30_000);
});
