/**
 * Toll-fraud limits in a customer's call: an agent's blind transfer (REFER) to a premium-rate
 * number is answered 403 with the reason, the agent keeps the caller, and the CDR has the step
 * 'dial-blocked'; an IVR transfer to an international number under the default policy ends the
 * call with the same step. Nothing reaches the carrier; the refusals are DialLimitHit events.
 */
import { createSocket } from 'node:dgram';
import { DialRefusal, decodeEvent } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { agentOn } from './fixtures.ts';
import type { Harness } from './harness.ts';
import { call, legs, noMediaLeft, ok, oneCdr, phone, withEdge } from './kit.ts';

/** A UDP socket on the carrier's port that counts what reaches it (nothing may). */
async function carrierTrap(port: number) {
  const s = createSocket('udp4');
  let got = 0;
  s.on('message', () => got++);
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r));
  return { count: () => got, close: () => s.close() };
}

async function steps(h: Harness) {
  return h.query<{ kind: string; detail: Record<string, string> }>(
    sql`select kind, detail from cdr_steps order by id`,
  );
}

async function dialHits(h: Harness) {
  await h.bridge.flush();
  const rows = await h.query<{ payload: Uint8Array }>(sql`select payload from event_outbox order by id`);
  return rows.flatMap((r) => {
    const b = decodeEvent(r.payload).body;
    return b.case === 'dialLimitHit' ? [b.value] : [];
  });
}

describe('dial policy in calls', () => {
  it('a blind transfer to a premium number is refused with 403; the agent keeps the caller; CDR step', async () => {
    const [p1, carrier] = [await freePort(), await freePort()];
    await withEdge(
      'dialrefer',
      { agents: [agentOn('a-1001', '1001', { sales: 5 }, p1)], carrierPort: carrier },
      async (h) => {
        const trap = await carrierTrap(carrier);
        try {
          const agent = phone(h, p1, {
            ringMs: 100,
            actions: [
              { audio: true },
              { pause: 500 },
              { referRefused: 'sip:+19005550100@127.0.0.1', phrase: 'Forbidden - dial policy: premium' },
              { pause: 300 },
              { bye: true },
            ],
          });
          await call(h, [{ pause: 800 }, { dtmf: '1' }, { pause: 300 }, { audio: true }, { waitBye: true }]);
          await ok(agent);
          expect(trap.count()).toBe(0);
        } finally {
          trap.close();
        }
        const cdr = await oneCdr(h);
        // The agent hung up on the caller after the refusal: an answered call, not a transfer.
        expect(cdr).toMatchObject({ disposition: 'ANSWERED', ended_by: 'AGENT', transfer_count: 0 });
        const blocked = (await steps(h)).filter((s) => s.kind === 'dial-blocked');
        expect(blocked.map((s) => s.detail)).toEqual([
          { reason: 'premium', agent: 'a-1001', trunk: 'carrier' },
        ]);
        expect((await legs(h)).map((l) => l.role)).toEqual(['caller', 'agent']);
        const hits = await dialHits(h);
        expect(hits.map((e) => [e.reason, e.agentId, e.trunkId])).toEqual([
          [DialRefusal.PREMIUM, 'a-1001', 'carrier'],
        ]);
        expect(hits[0]?.interactionId).toBe(cdr.interaction_id);
        await noMediaLeft(h);
      },
    );
  });

  it('an IVR transfer to an international number under the default policy ends the call with the CDR step', async () => {
    const carrier = await freePort();
    const bundle = {
      agents: [agentOn('a-1001', '1001', { sales: 5 }, await freePort())],
      carrierPort: carrier,
      extra: {
        flows: [
          {
            id: 'main',
            name: 'Main',
            entryNodeId: 'out',
            nodes: [
              {
                id: 'out',
                kind: {
                  case: 'transfer' as const,
                  value: {
                    target: {
                      case: 'external' as const,
                      value: { number: '+442079460000', trunkId: 'carrier' },
                    },
                  },
                },
              },
            ],
          },
        ],
      },
    };
    await withEdge('dialivr', bundle, async (h) => {
      const trap = await carrierTrap(carrier);
      try {
        await call(h, [{ waitBye: true }]);
        expect(trap.count()).toBe(0);
      } finally {
        trap.close();
      }
      const cdr = await oneCdr(h);
      expect(cdr).toMatchObject({ disposition: 'FAILED', ended_by: 'SYSTEM' });
      const blocked = (await steps(h)).filter((s) => s.kind === 'dial-blocked');
      expect(blocked.map((s) => s.detail)).toEqual([
        { reason: 'international', agent: '', trunk: 'carrier' },
      ]);
      const hits = await dialHits(h);
      expect(hits.map((e) => [e.reason, e.agentId])).toEqual([[DialRefusal.INTERNATIONAL, '']]);
      await noMediaLeft(h);
    });
  });
});
