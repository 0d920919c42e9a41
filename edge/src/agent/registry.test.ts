import { AgentState, AgentStateCause, Channel } from '@hcc/proto';
import { FakeClock, Observer, silentLogger } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { acdBundle, agent, queue } from '../../test/acd-fixtures.ts';
import {
  AgentBusyError,
  IllegalAgentTransitionError,
  ReasonNotAllowedError,
  UnknownAgentError,
} from './errors.ts';
import type { AgentEvents } from './events.ts';
import { AgentRegistry } from './registry.ts';

function setup() {
  const clock = new FakeClock();
  const observer = new Observer<AgentEvents>();
  const events: AgentEvents['agentStateChanged'][] = [];
  observer.on('agentStateChanged', (e) => events.push(e));
  const reg = new AgentRegistry({ clock, observer, log: silentLogger });
  reg.applyConfig(
    acdBundle({
      queues: [queue('sales')],
      agents: [
        agent('auto', { sales: 1 }, { autoReadyOnRegister: true, allowedNotReadyReasonIds: ['break'] }),
        agent('manual', { sales: 1 }),
      ],
    }),
  );
  return { clock, reg, events };
}

const work = (interactionId: string) => ({
  interactionId,
  channel: Channel.VOICE,
  queueId: 'sales',
  configVersion: 1n,
});

describe('AgentRegistry', () => {
  it('auto-ready on device registration; a login without it stays NOT_READY', () => {
    const t = setup();
    t.reg.deviceRegistered('auto');
    t.reg.deviceRegistered('manual');
    t.reg.login('manual');
    expect(t.reg.get('auto').presence).toBe(AgentState.READY);
    expect(t.reg.get('manual').presence).toBe(AgentState.NOT_READY);
    expect(t.events.map((e) => [e.agentId, AgentState[e.toState], AgentStateCause[e.cause]])).toEqual([
      ['auto', 'READY', 'DEVICE'],
      ['manual', 'NOT_READY', 'AGENT'],
    ]);
  });

  it('guards the transition table', () => {
    const t = setup();
    expect(() => t.reg.reserve('manual', work('x'))).toThrow(IllegalAgentTransitionError); // LOGGED_OUT
    t.reg.login('manual');
    t.reg.setReady('manual');
    t.reg.reserve('manual', work('x'));
    expect(() => t.reg.reserve('manual', work('y'))).toThrow(IllegalAgentTransitionError); // voice capacity 1
    expect(() => t.reg.answered('manual', 'x')).not.toThrow();
    expect(() => t.reg.ringing('manual', 'x')).toThrow(IllegalAgentTransitionError);
    expect(() => t.reg.logout('manual')).toThrow(AgentBusyError);
    expect(() => t.reg.get('nobody')).toThrow(UnknownAgentError);
  });

  it('checks not-ready reasons against the bundle and the agent list', () => {
    const t = setup();
    t.reg.login('auto');
    expect(t.reg.allowedReasons('auto')).toEqual(['break']);
    expect(() => t.reg.setNotReady('auto', 'lunch')).toThrow(ReasonNotAllowedError);
    t.reg.setNotReady('auto', 'break');
    expect(t.events.at(-1)).toMatchObject({
      toState: AgentState.NOT_READY,
      notReadyReasonId: 'break',
      channel: Channel.UNSPECIFIED,
    });
    t.reg.setNotReady('auto', 'missed', AgentStateCause.RING_NO_ANSWER); // the system may force any reason
    expect(t.reg.get('auto').reasonId).toBe('missed');
  });

  it('wrap-up ends on the timer, or early when the agent finishes', async () => {
    const t = setup();
    t.reg.login('auto');
    const handle = (id: string) => {
      t.reg.reserve('auto', work(id));
      t.reg.ringing('auto', id);
      t.reg.answered('auto', id);
      t.reg.endInteraction('auto', id, 30_000);
      expect(t.reg.get('auto').displayState()).toBe(AgentState.WRAP_UP);
      expect(t.reg.get('auto').isAvailable(Channel.VOICE)).toBe(false);
    };
    handle('i1');
    t.reg.finishWrapUp('auto', 'i1');
    expect(t.reg.get('auto').displayState()).toBe(AgentState.READY);
    handle('i2');
    await t.clock.advance(29_999);
    expect(t.reg.get('auto').displayState()).toBe(AgentState.WRAP_UP);
    await t.clock.advance(1);
    expect(t.reg.get('auto').displayState()).toBe(AgentState.READY);
    expect(t.clock.pending).toBe(0);
  });

  it('an agent removed from the config is logged out, after its interaction if busy', () => {
    const t = setup();
    t.reg.login('auto');
    t.reg.login('manual');
    t.reg.setReady('manual');
    t.reg.reserve('manual', work('i1'));
    t.reg.applyConfig(acdBundle({ version: 2n, queues: [queue('sales')], agents: [] }));
    expect(t.reg.find('auto')).toBeUndefined();
    expect(t.reg.get('manual').removed).toBe(true);
    t.reg.release('manual', 'i1', { cause: AgentStateCause.ROUTING });
    expect(t.reg.find('manual')).toBeUndefined();
    expect(t.events.at(-1)).toMatchObject({
      agentId: 'manual',
      toState: AgentState.LOGGED_OUT,
      cause: AgentStateCause.SYSTEM,
    });
  });
});
