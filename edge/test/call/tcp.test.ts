/**
 * SIP over TCP end to end: a carrier calling over TCP through the IVR into a queue, answered by an
 * agent phone reached over TCP (its contact says `;transport=tcp`), with DTMF and RTP through rtpengine.
 */
import { AgentState } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { describe, expect, it } from 'vitest';
import { agentOn, queueOf } from './fixtures.ts';
import { call, legs, noMediaLeft, ok, oneCdr, phone, withEdge } from './kit.ts';

function tcpAgent(id: string, ext: string, skills: Record<string, number>, port: number) {
  const a = agentOn(id, ext, skills, port);
  a.devices = [
    {
      id: 'desk',
      kind: { case: 'staticContact', value: { uri: `sip:${ext}@127.0.0.1:${port};transport=tcp` } },
    },
  ];
  return a;
}

describe('SIP over TCP', () => {
  it('TCP caller -> IVR (DTMF 1) -> sales queue -> TCP agent; the caller hangs up', async () => {
    const port = await freePort();
    const bundle = { agents: [tcpAgent('a-1001', '1001', { sales: 5 }, port)] };
    await withEdge(
      'tcpcall',
      bundle,
      async (h) => {
        const agent = phone(h, port, {
          ringMs: 200,
          tcp: true,
          actions: [{ audio: true }, { waitBye: true }],
        });
        await call(
          h,
          [{ pause: 800 }, { dtmf: '1' }, { pause: 500 }, { audio: true }, { pause: 1500 }, { bye: true }],
          {
            tcp: true,
          },
        );
        await ok(agent);
        const cdr = await oneCdr(h);
        expect(cdr).toMatchObject({
          disposition: 'ANSWERED',
          ended_by: 'CALLER',
          agent_id: 'a-1001',
          queue_id: 'sales',
        });
        expect(Number(cdr['talk_ms'])).toBeGreaterThan(1000);
        expect((await legs(h)).map((l) => [l.role, l.agent_id, l.result, l.final_status])).toEqual([
          ['caller', '', 'answered', 200],
          ['agent', 'a-1001', 'answered', 200],
        ]);
        expect(h.agents.get('a-1001').presence).toBe(AgentState.READY);
        await noMediaLeft(h);
      },
      { tcp: true },
    );
  });

  it('UDP caller, TCP agent that hangs up; then a second agent on UDP after the first is busy', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const bundle = {
      agents: [tcpAgent('a-1001', '1001', { sales: 5 }, p1), agentOn('a-1003', '1003', { sales: 5 }, p2)],
      queues: [queueOf('sales'), queueOf('support')],
    };
    await withEdge(
      'tcpagent',
      bundle,
      async (h) => {
        const first = phone(h, p1, { ringMs: 100, busy: true, tcp: true });
        const second = phone(h, p2, {
          ringMs: 100,
          actions: [{ audio: true }, { pause: 1000 }, { bye: true }],
        });
        await call(h, [{ pause: 800 }, { dtmf: '1' }, { waitBye: true }]);
        await ok(first);
        await ok(second);
        expect(await oneCdr(h)).toMatchObject({
          disposition: 'ANSWERED',
          ended_by: 'AGENT',
          agent_id: 'a-1003',
        });
        expect((await legs(h)).map((l) => [l.agent_id, l.result, l.final_status])).toEqual([
          ['', 'answered', 200],
          ['a-1001', 'busy', 486],
          ['a-1003', 'answered', 200],
        ]);
        await noMediaLeft(h);
      },
      { tcp: true },
    );
  });
});
