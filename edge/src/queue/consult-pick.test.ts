import { Channel, RoutingStrategy } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import { pickConsultAgent } from './consult-pick.ts';

describe('pickConsultAgent', () => {
  const bundle = acdBundle({
    queues: [
      queue('support', { strategy: RoutingStrategy.SKILL_WEIGHTED }),
      queue('sales', { requiredSkills: [{ skillId: 'sales', minLevel: 3 }] }),
    ],
    agents: [agent('a1', { support: 2, sales: 5 }), agent('a2', { support: 7 }), agent('a3', { sales: 2 })],
  });

  it("picks by the queue's skills and strategy, never the consulting agent", () => {
    const h = harness(bundle);
    h.ready('a1', 'a2', 'a3');
    expect(pickConsultAgent(h.acd, 'support', Channel.VOICE, 'a1')).toBe('a2');
    expect(pickConsultAgent(h.acd, 'support', Channel.VOICE, 'a2')).toBe('a1');
    // a3's sales level is below the queue's minimum.
    expect(pickConsultAgent(h.acd, 'sales', Channel.VOICE, 'x')).toBe('a1');
    expect(pickConsultAgent(h.acd, 'sales', Channel.VOICE, 'a1')).toBeUndefined();
  });

  it('none when nobody is ready or the queue is unknown', () => {
    const h = harness(bundle);
    h.ready('a1');
    expect(pickConsultAgent(h.acd, 'support', Channel.VOICE, 'a1')).toBeUndefined();
    expect(pickConsultAgent(h.acd, 'nope', Channel.VOICE, 'x')).toBeUndefined();
    expect(pickConsultAgent(h.acd, 'support', Channel.CHAT, 'x')).toBeUndefined();
  });
});
