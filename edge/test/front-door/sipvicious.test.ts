/**
 * SIPVicious, the scanner most SIP attacks start with, against the running edge: `svmap` finds no SIP device
 * to attack and `svwar` no extension, by REGISTER or INVITE, although agents 1001 and 1002 have phones.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, callBundle } from '../call/fixtures.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

const run = promisify(execFile);
let edge: EdgeCallLayer;

beforeAll(async () => {
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'sipvicious',
    bundle: () =>
      callBundle({
        agents: [
          agentOn('a-1001', '1001', { sales: 5 }, undefined),
          agentOn('a-1002', '1002', { sales: 5 }, undefined),
        ],
      }),
  });
  await edge.setPassword('1001', 'pw-1001');
  await edge.setPassword('1002', 'pw-1002');
}, 60_000);

afterAll(async () => {
  await edge?.close();
});

async function tool(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeout: 60_000 }).catch(
    (err: { stdout?: string; stderr?: string }) => err,
  );
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

describe('sipvicious', () => {
  it('svwar and svmap find nothing', async () => {
    const port = String(edge.sipPort);
    const outs: string[] = [];
    outs.push(await tool('svmap', ['-b', '127.0.0.3', '-p', port, '127.0.0.1']));
    outs.push(await tool('svwar', ['-b', '127.0.0.4', '-e', '1000-1005', '-p', port, '127.0.0.1']));
    outs.push(
      await tool('svwar', ['-b', '127.0.0.5', '-e', '1000-1005', '-m', 'INVITE', '-p', port, '127.0.0.1']),
    );
    for (const out of outs) expect(out).toContain('found nothing');
    expect(outs.join('\n')).not.toContain(`127.0.0.1:${port}`);
    // Known scanners are dropped unanswered and their addresses banned (svwar sends from 127.0.0.1 whatever -b
    // says, so its second run finds its address banned already).
    const c = edge.layer.protection();
    expect(c.bans).toBeGreaterThanOrEqual(2);
    expect(c.bannedAddresses).toBe(c.bans);
    expect(c.dropped).toBeGreaterThanOrEqual(3);
    expect(c.authFailures).toBe(0);
  }, 120_000);

  it('with the scanner list off, svwar --force still finds no extension: everyone gets the same challenge', async () => {
    const open = await startEdgeCallLayer({
      pgUrl: inject('pgUrl'),
      name: 'sipvicious_open',
      settings: { scannerUserAgents: [] },
      bundle: () =>
        callBundle({
          agents: [
            agentOn('a-1001', '1001', { sales: 5 }, undefined),
            agentOn('a-1002', '1002', { sales: 5 }, undefined),
          ],
        }),
    });
    try {
      await open.setPassword('1001', 'pw-1001');
      const port = String(open.sipPort);
      const outs: string[] = [];
      outs.push(
        await tool('svwar', ['-b', '127.0.0.4', '--force', '-e', '1000-1005', '-p', port, '127.0.0.1']),
      );
      outs.push(
        await tool('svwar', [
          '-b',
          '127.0.0.5',
          '--force',
          '-e',
          '1000-1005',
          '-m',
          'INVITE',
          '-p',
          port,
          '127.0.0.1',
        ]),
      );
      for (const out of outs) {
        expect(out).toContain('found nothing');
        expect(out).not.toMatch(/\|\s*100[0-5]\s*\|/);
      }
    } finally {
      await open.close();
    }
  }, 120_000);
});
