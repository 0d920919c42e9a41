/**
 * A SetVariable expression over the caller's site-local customer data decides the route: a gold or
 * high-score caller goes to sales (at a higher priority), anyone else to support.
 */
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { agentOn, CALLER, DID } from './fixtures.ts';
import { call, legs, noMediaLeft, ok, phone, withEdge } from './kit.ts';
import { callerScenario } from './scenarios.ts';

const OTHER = '+15551230002';

const flows = [
  {
    id: 'main',
    name: 'Main',
    entryNodeId: 'tier',
    nodes: [
      {
        id: 'tier',
        kind: {
          case: 'setVariable',
          value: {
            assignment: {
              case: 'variable',
              value: {
                name: 'tier',
                value: {
                  case: 'expression',
                  value: "attr.vip_tier == 'gold' || attr.score >= 80 ? 'vip' : 'std'",
                },
              },
            },
            nextNodeId: 'route',
          },
        },
      },
      {
        id: 'route',
        kind: {
          case: 'branch',
          value: {
            attribute: 'var.tier',
            cases: [{ value: 'vip', nodeId: 'to-sales' }],
            defaultNodeId: 'to-support',
          },
        },
      },
      { id: 'to-sales', kind: { case: 'enqueue', value: { queueId: 'sales', priority: 9 } } },
      { id: 'to-support', kind: { case: 'enqueue', value: { queueId: 'support' } } },
    ],
  },
];

describe('SetVariable expression in a call', () => {
  it('a gold caller is routed to sales, an unknown caller to support', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, p1), agentOn('a-1002', '1002', { support: 5 }, p2)],
      extra: { flows } as never,
    };
    await withEdge('exprroute', bundle, async (h) => {
      await h.customers.upsert({
        phone: CALLER,
        name: 'Ann',
        account: 'A1',
        notes: '',
        attributes: { vip_tier: 'gold' },
      });
      const sales = phone(h, p1, { ringMs: 100, actions: [{ audio: true }, { pause: 800 }, { bye: true }] });
      const support = phone(h, p2, {
        ringMs: 100,
        actions: [{ audio: true }, { pause: 800 }, { bye: true }],
      });
      const as = (number: string) =>
        call(h, [], { scenario: callerScenario({ did: DID, number, actions: [{ waitBye: true }] }) });
      await as(CALLER);
      await as(OTHER);
      await ok(sales);
      await ok(support);
      await expect
        .poll(async () => (await h.query(sql`select 1 from cdrs`)).length, { timeout: 10_000 })
        .toBe(2);
      const rows = await h.query<{
        caller_number: string;
        queue_id: string;
        agent_id: string;
        disposition: string;
      }>(sql`select caller_number, queue_id, agent_id, disposition from cdrs order by started_at`);
      expect(rows).toEqual([
        { caller_number: CALLER, queue_id: 'sales', agent_id: 'a-1001', disposition: 'ANSWERED' },
        { caller_number: OTHER, queue_id: 'support', agent_id: 'a-1002', disposition: 'ANSWERED' },
      ]);
      expect((await legs(h)).map((l) => [l.role, l.agent_id, l.result])).toEqual([
        ['caller', '', 'answered'],
        ['agent', 'a-1001', 'answered'],
        ['caller', '', 'answered'],
        ['agent', 'a-1002', 'answered'],
      ]);
      await noMediaLeft(h);
    });
  });
});
