/**
 * Agents' phone registrations survive a restart of the edge: a digest REGISTER (SIPp) is written
 * through to PostgreSQL; a new binding store on the same database (the restarted edge) restores it,
 * applies auto-ready, and rings the phone there. Expired and WebSocket-bound bindings are not kept.
 */
import { AgentState } from '@hcc/proto';
import { Observer, silentLogger, systemClock } from '@hcc/shared';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../src/agent/index.ts';
import { restoreRegistrations } from '../../src/call/agent-registrar.ts';
import { AgentBindingStore, agentRegistrar, DbBindingStore, deviceTargets } from '../../src/call/index.ts';
import { sipRealm } from '../../src/secrets/index.ts';
import { agentOn, callBundle } from './fixtures.ts';
import { withEdge } from './kit.ts';
import { registerScenario as register, writeScenario } from './scenarios.ts';

const agentsFor = (bundle: ReturnType<typeof callBundle>) => {
  const agents = new AgentRegistry({
    clock: systemClock,
    observer: new Observer(silentLogger),
    log: silentLogger,
  });
  agents.applyConfig(bundle);
  return agents;
};

describe('registrations persisted', () => {
  it('a REGISTER survives a restart (auto-ready, dialable); expired and WebSocket bindings do not', async () => {
    const phonePort = await freePort();
    const spec = { agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] };
    const bundle = callBundle(spec);
    await withEdge(
      'regpersist',
      spec,
      async (h) => {
        const db = h.database.db;
        const clock = h.stack.clock;
        const bindings = new AgentBindingStore(clock, new DbBindingStore(db, clock));
        const reg = agentRegistrar({
          clock,
          realm: sipRealm('hq'),
          bindings,
          secrets: h.secrets,
          config: { current: () => bundle },
          agents: h.agents,
          log: silentLogger,
          algorithms: ['MD5'],
        });
        h.stack.use('REGISTER', reg.handler);
        await h.secrets.setDevicePassword('sip-1001', '1001', sipRealm('hq'), 'pw-1001');
        const ok = await h.sipp(
          await writeScenario(h.dir, 'reg', register('1001', 'pw-1001', phonePort)),
          [],
          {
            ip: '127.0.0.1',
          },
        );
        expect(ok.code, ok.output).toBe(0);
        expect(h.agents.get('a-1001').presence).toBe(AgentState.READY);
        // Not to be kept: an expired binding, and a browser's (bound to its WebSocket connection).
        const base = { callId: 'x', cseq: 1, q: 1 };
        await bindings.put('sip:1009@127.0.0.1', [
          {
            ...base,
            contact: 'sip:1009@127.0.0.1:5999',
            expiresAt: clock.now() - 1000,
            source: { protocol: 'UDP', address: '127.0.0.1', port: 5999 },
          },
        ]);
        await bindings.put('sip:web-a@hq', [
          {
            ...base,
            contact: 'sip:web-a@x.invalid;transport=ws',
            expiresAt: clock.now() + 60_000,
            source: { protocol: 'WS', address: '127.0.0.1', port: 40000, connectionId: 'c1' },
          },
        ]);
        expect(await h.query(sql`select aor from sip_bindings order by aor`)).toEqual([
          { aor: 'sip:1001@127.0.0.1' },
          { aor: 'sip:1009@127.0.0.1' },
        ]);

        // The restart: new stores on the same database, agents back to LOGGED_OUT.
        const agents = agentsFor(bundle);
        const restarted = new AgentBindingStore(clock, new DbBindingStore(db, clock));
        expect(agents.get('a-1001').presence).toBe(AgentState.LOGGED_OUT);
        expect(
          await restoreRegistrations({
            bindings: restarted,
            config: { current: () => bundle },
            agents,
            log: silentLogger,
          }),
        ).toBe(1);
        expect(agents.get('a-1001').presence).toBe(AgentState.READY);
        const live = await restarted.contactsOf('1001');
        expect(live.map((b) => [b.contact, b.source.port])).toEqual([
          [`sip:1001@127.0.0.1:${phonePort}`, expect.any(Number)],
        ]);
        expect(live[0]!.expiresAt - clock.now()).toBeGreaterThan(250_000);
        expect(await restarted.contactsOf('1009')).toEqual([]);
        expect(await restarted.contactsOf('web-a')).toEqual([]);
        expect(await h.query(sql`select aor from sip_bindings`)).toEqual([{ aor: 'sip:1001@127.0.0.1' }]);
        const targets = await deviceTargets(bundle.agents[0]!.devices, restarted, []);
        expect(targets.map((t) => t.uri)).toEqual([`sip:1001@127.0.0.1:${phonePort}`]);

        // Un-registering removes the row: the next restart has nothing.
        await restarted.put('sip:1001@127.0.0.1', []);
        const again = new AgentBindingStore(clock, new DbBindingStore(db, clock));
        expect(await again.restore()).toEqual([]);
      },
      { loggedOut: ['a-1001'] },
    );
  });
});
