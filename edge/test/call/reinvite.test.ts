/**
 * The carrier moves its media mid-call: a re-INVITE from the caller with a new c=/m= after the agent
 * answered. The edge re-offers it to rtpengine on the caller's side and answers with rtpengine's SDP
 * (same address and port as before); the agent's audio then arrives at the caller's new address.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseRtp } from '../../src/media/index.ts';
import { agentOn } from './fixtures.ts';
import { call, legs, noMediaLeft, ok, oneCdr, phone, withEdge } from './kit.ts';

describe('carrier re-INVITE with new media', () => {
  it('re-offers the caller side: media flows to the new address, the call ends clean', async () => {
    const port = await freePort();
    const moved = createSocket('udp4');
    moved.bind(0, '127.0.0.2');
    await once(moved, 'listening');
    const got: Array<{ pt: number; from: number }> = [];
    moved.on('message', (buf, rinfo) => {
      const p = parseRtp(buf);
      if (p) got.push({ pt: p.payloadType, from: rinfo.port });
    });
    try {
      await withEdge('reinvite', { agents: [agentOn('a-1001', '1001', { sales: 5 }, port)] }, async (h) => {
        const agent = phone(h, port, { ringMs: 100, actions: [{ audio: true }, { waitBye: true }] });
        await call(h, [
          { pause: 500 },
          { info: '1' },
          { pause: 1200 },
          { reinvite: moved.address().port },
          { pause: 1500 },
          { bye: true },
        ]);
        await ok(agent);
        const cdr = await oneCdr(h);
        expect(cdr).toMatchObject({ disposition: 'ANSWERED', ended_by: 'CALLER', agent_id: 'a-1001' });
        expect((await legs(h)).map((l) => [l.role, l.result])).toEqual([
          ['caller', 'answered'],
          ['agent', 'answered'],
        ]);
        const steps = await h.query<{ kind: string }>(sql`select kind from cdr_steps order by id`);
        expect(steps.map((s) => s.kind)).toContain('caller-media-updated');
        // The agent's PCMA (20 ms packets) reaches the caller's new address from rtpengine (> 0.5 s of it).
        const audio = got.filter((g) => g.pt === 8);
        expect(audio.length).toBeGreaterThan(25);
        expect(new Set(audio.map((g) => g.from)).size).toBe(1);
        await noMediaLeft(h);
      });
    } finally {
      moved.close();
    }
  });
});
