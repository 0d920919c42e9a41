/**
 * An agent whose phone never answers the INVITE at all (nothing listens on its UDP port, or its TCP
 * port refuses the connection): the attempt fails as unreachable well before the ring timeout, the
 * agent is set not ready, the caller goes back to the front of the queue and the next agent rings.
 */
import { AgentState } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { describe, expect, it } from 'vitest';
import { agentOn, queueOf } from './fixtures.ts';
import { call, legs, noMediaLeft, ok, oneCdr, phone, withEdge } from './kit.ts';

describe('unreachable agent', () => {
  it('silent UDP contact: unreachable (408), not ready, the next agent answers', async () => {
    const [dead, p2] = [await freePort(), await freePort()];
    const bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, dead), agentOn('a-1003', '1003', { sales: 5 }, p2)],
      // A ring timeout longer than the no-response limit: the silence, not the timer, ends the attempt.
      queues: [queueOf('sales', { ringTimeoutSeconds: 15 }), queueOf('support')],
    };
    await withEdge('unreachudp', bundle, async (h) => {
      const second = phone(h, p2, {
        ringMs: 200,
        actions: [{ audio: true }, { pause: 1000 }, { bye: true }],
      });
      const t0 = Date.now();
      await call(h, [{ pause: 800 }, { dtmf: '1' }, { waitBye: true }]);
      await ok(second);
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({
        disposition: 'ANSWERED',
        ended_by: 'AGENT',
        agent_id: 'a-1003',
        queue_id: 'sales',
      });
      // The whole call (IVR, 3 s of silence, ringing, 1 s of talk) ends long before a 15 s ring timeout.
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect((await legs(h)).map((l) => [l.role, l.agent_id, l.result, l.final_status])).toEqual([
        ['caller', '', 'answered', 200],
        ['agent', 'a-1001', 'unreachable', 408],
        ['agent', 'a-1003', 'answered', 200],
      ]);
      const a1 = h.agents.get('a-1001');
      expect([a1.presence, a1.reasonId]).toEqual([AgentState.NOT_READY, 'no-answer']);
      await noMediaLeft(h);
    });
  });

  it('TCP contact refusing the connection: unreachable (503) at once, the next agent answers', async () => {
    const [closed, p2] = [await freePort(), await freePort()];
    const refusing = agentOn('a-1004', '1004', { sales: 5 }, undefined);
    refusing.devices = [
      {
        id: 'desk',
        kind: { case: 'staticContact', value: { uri: `sip:1004@127.0.0.1:${closed};transport=tcp` } },
      },
    ];
    const bundle = {
      agents: [refusing, agentOn('a-1003', '1003', { sales: 5 }, p2)],
      queues: [queueOf('sales', { ringTimeoutSeconds: 15 }), queueOf('support')],
    };
    await withEdge(
      'unreachtcp',
      bundle,
      async (h) => {
        const second = phone(h, p2, {
          ringMs: 200,
          actions: [{ audio: true }, { pause: 800 }, { bye: true }],
        });
        await call(h, [{ pause: 800 }, { dtmf: '1' }, { waitBye: true }]);
        await ok(second);
        expect(await oneCdr(h)).toMatchObject({ disposition: 'ANSWERED', agent_id: 'a-1003' });
        expect((await legs(h)).map((l) => [l.agent_id, l.result, l.final_status])).toEqual([
          ['', 'answered', 200],
          ['a-1004', 'unreachable', 503],
          ['a-1003', 'answered', 200],
        ]);
        expect(h.agents.get('a-1004').presence).toBe(AgentState.NOT_READY);
        await noMediaLeft(h);
      },
      { tcp: true },
    );
  });
});
