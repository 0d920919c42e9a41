/**
 * An MD5-only phone the edge does not know by its User-Agent (baresip 1.0 with the MD5-only list emptied): it
 * fails on the first SHA-256 + MD5 challenge, retries its registration 30-60 s later with the same Call-ID and no
 * credentials, and the edge, having learnt that it cannot answer SHA-256, offers it MD5 alone: it registers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentState } from '@hcc/proto';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, callBundle } from '../call/fixtures.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

let edge: EdgeCallLayer;
let home: string;
let phone: ManagedChild | undefined;

beforeAll(async () => {
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'baresip_learn',
    settings: { digest: { algorithms: ['SHA-256', 'MD5'], md5OnlyUserAgents: [] } },
    bundle: () => callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] }),
  });
  await edge.setPassword('1001', 'pw-1001');
  home = mkdtempSync(join(tmpdir(), 'baresip-learn-'));
}, 60_000);

afterAll(async () => {
  await phone?.stop();
  await edge?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('an MD5-only phone the edge does not know', () => {
  it('registers on its first retry, MD5 learnt', async () => {
    const sipPort = await freePort();
    writeFileSync(
      join(home, 'config'),
      `poll_method epoll\nsip_listen 127.0.0.1:${sipPort}\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule_app account.so\n`,
    );
    writeFileSync(
      join(home, 'accounts'),
      `<sip:1001@127.0.0.1:${edge.sipPort};transport=udp>;auth_pass=pw-1001;regint=60\n`,
    );
    writeFileSync(join(home, 'contacts'), '');
    phone = startChild({
      name: 'baresip',
      command: 'baresip',
      args: ['-f', home],
      env: { ...process.env, HOME: home },
    });
    await waitFor(
      'the first attempt fails',
      () => (phone?.tail() ?? '').includes('Function not implemented'),
      15_000,
    );
    await waitFor(
      'baresip registered on a retry',
      async () => (await edge.layer.bindings.contactsOf('1001')).length === 1,
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${phone?.tail()}`);
    });
    expect(edge.agents.get('a-1001').presence).toBe(AgentState.READY);
    expect(edge.layer.protection().authFailures).toBe(0);
  }, 150_000);
});
