/**
 * Agents' SIP phones REGISTER to the edge with digest against the HA1 in the local secret store;
 * the agent goes READY on register (auto-ready) and queued calls ring the registered contact.
 */
import { AgentState } from '@hcc/proto';
import { silentLogger } from '@hcc/shared';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { agentRegistrar } from '../../src/call/index.ts';
import { sipRealm } from '../../src/secrets/index.ts';
import { agentOn, CALLER, callBundle, DID } from './fixtures.ts';
import { startHarness } from './harness.ts';
import { agentScenario, callerScenario, registerScenario as register, writeScenario } from './scenarios.ts';

describe('agent phones register', () => {
  it('digest REGISTER with the stored HA1 makes the agent READY; a queued call rings the registered phone', async () => {
    const phonePort = await freePort();
    const h = await startHarness({
      pgUrl: inject('pgUrl'),
      name: 'registrar',
      bundle: () => callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] }),
    });
    try {
      // SIPp 3.6 answers MD5 challenges only (and picks the first offered).
      const reg = agentRegistrar({
        clock: h.stack.clock,
        realm: sipRealm('hq'),
        bindings: h.bindings,
        secrets: h.secrets,
        config: {
          current: () => callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] }),
        },
        agents: h.agents,
        log: silentLogger,
        algorithms: ['MD5'],
        minExpires: 1,
      });
      h.stack.use('REGISTER', reg.handler);
      await h.secrets.setDevicePassword('sip-1001', '1001', sipRealm('hq'), 'pw-1001');
      expect(h.agents.get('a-1001').presence).toBe(AgentState.LOGGED_OUT);

      const bad = await h.sipp(
        await writeScenario(h.dir, 'reg-bad', register('1001', 'wrong', phonePort)),
        [],
        { ip: '127.0.0.1', timeoutS: 5 },
      );
      expect(bad.code).not.toBe(0);
      expect(h.agents.get('a-1001').presence).toBe(AgentState.LOGGED_OUT);

      const ok = await h.sipp(await writeScenario(h.dir, 'reg', register('1001', 'pw-1001', phonePort)), [], {
        ip: '127.0.0.1',
      });
      expect(ok.code, ok.output).toBe(0);
      expect(h.agents.get('a-1001').presence).toBe(AgentState.READY);
      expect(await h.bindings.contactsOf('1001')).toHaveLength(1);

      const phone = h.sippBg(
        await writeScenario(h.dir, 'phone', agentScenario({ ringMs: 100, actions: [{ waitBye: true }] })),
        ['-p', String(phonePort)],
      );
      const caller = await h.sipp(
        await writeScenario(
          h.dir,
          'caller',
          callerScenario({
            did: DID,
            number: CALLER,
            actions: [{ pause: 800 }, { dtmf: '1' }, { pause: 1500 }, { bye: true }],
          }),
        ),
        [],
      );
      expect(caller.code, caller.output).toBe(0);
      const p = await phone.done;
      expect(p.code, p.output).toBe(0);
      await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length).toBe(1);
      const [leg] = await h.query<{ target: string; result: string }>(
        sql`select target, result from cdr_legs where role = 'agent'`,
      );
      expect(leg).toEqual({ target: `sip:1001@127.0.0.1:${phonePort}`, result: 'answered' });
    } finally {
      await h.close();
    }
  });
});
