/**
 * baresip 1.0 (an MD5-only softphone: libre 1.x gives up on the first challenge it cannot answer) registers
 * to the running edge's registrar with the product's default digest policy, goes READY, and auto-answers a
 * call a carrier places through the IVR into the sales queue.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentState } from '@hcc/proto';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, CALLER, callBundle, DID } from '../call/fixtures.ts';
import { callerScenario, writeScenario } from '../call/scenarios.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

let edge: EdgeCallLayer;
let home: string;
let phone: ManagedChild | undefined;

beforeAll(async () => {
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'baresip',
    bundle: () => callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] }),
  });
  await edge.setPassword('1001', 'pw-1001');
  home = mkdtempSync(join(tmpdir(), 'baresip-edge-'));
}, 60_000);

afterAll(async () => {
  await phone?.stop();
  await edge?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('baresip at the edge', () => {
  it('registers with the default digest policy and auto-answers a queue call', async () => {
    const sipPort = await freePort();
    writeFileSync(
      join(home, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sipPort}`,
        'audio_player aubridge,nil',
        'audio_source aubridge,nil',
        'audio_alert aubridge,nil',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aubridge.so',
        'module_app account.so',
        'module_app menu.so',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(home, 'accounts'),
      `<sip:1001@127.0.0.1:${edge.sipPort};transport=udp>;auth_pass=pw-1001;answermode=auto;regint=60\n`,
    );
    writeFileSync(join(home, 'contacts'), '');
    phone = startChild({
      name: 'baresip',
      command: 'baresip',
      args: ['-f', home],
      env: { ...process.env, HOME: home },
    });
    await waitFor(
      'baresip registered',
      async () => (await edge.layer.bindings.contactsOf('1001')).length === 1,
      15_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${phone?.tail()}`);
    });
    expect(edge.agents.get('a-1001').presence).toBe(AgentState.READY);
    expect(edge.layer.protection().authFailures).toBe(0);

    const caller = await edge.sipp(
      await writeScenario(
        edge.dir,
        'caller',
        callerScenario({
          did: DID,
          number: CALLER,
          actions: [{ pause: 800 }, { dtmf: '1' }, { pause: 3000 }, { bye: true }],
        }),
      ),
    );
    expect(caller.code, caller.output).toBe(0);
    await expect
      .poll(
        async () =>
          (await edge.query<{ result: string }>(sql`select result from cdr_legs where role = 'agent'`)).map(
            (r) => r.result,
          ),
        { timeout: 10_000 },
      )
      .toEqual(['answered']);
    // baresip's own account of it: the call it answered lasted until the caller hung up.
    await waitFor(
      'baresip ends the call',
      () => /Call with \S+ terminated \(duration: [1-9]/.test(phone?.tail() ?? ''),
      10_000,
    );
  }, 60_000);
});
