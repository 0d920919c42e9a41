/**
 * Password guessing against the running edge's registrar: 300 wrong passwords and then the right one from one
 * address are all refused (the address is banned after 5 failures); the same extension registers from another
 * address right after, with SHA-256 through the project's digest client.
 */
import { AgentState } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DigestClient,
  Headers,
  newCallId,
  newTag,
  SipRequest,
  SipStack,
  sendWithDigest,
  UdpTransport,
} from '../../src/sip/index.ts';
import { agentOn, callBundle } from '../call/fixtures.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';
import { answer, RawSip } from './raw-sip.ts';

let edge: EdgeCallLayer;

beforeAll(async () => {
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'guessing',
    bundle: () => callBundle({ agents: [agentOn('a-1001', '1001', { sales: 5 }, undefined)] }),
  });
  await edge.setPassword('1001', 'right-pw-1001');
}, 60_000);

afterAll(async () => {
  await edge?.close();
});

describe('password guessing', () => {
  it('bans an address after 5 wrong answers, however slowly they come', async () => {
    const uri = `sip:127.0.0.1:${edge.sipPort}`;
    const slow = await RawSip.open('127.0.0.5', { host: '127.0.0.1', port: edge.sipPort });
    try {
      const before = edge.layer.protection();
      const first = await slow.response(slow.register('1001'), 2000);
      const challenge = first!.headers.getAll('www-authenticate')[0]!;
      for (let i = 1; i <= 5; i++) {
        const b = slow.register('1001', {
          authorization: answer(challenge, '1001', `slow-${i}`, uri, i),
          cseq: i + 1,
        });
        expect((await slow.response(b, 2000))?.status).toBe(401);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Banned: a challenge request and the right password get no answer at all.
      expect(await slow.response(slow.register('1001'), 1000)).toBeUndefined();
      const right = slow.register('1001', {
        authorization: answer(challenge, '1001', 'right-pw-1001', uri, 6),
        cseq: 7,
      });
      expect(await slow.response(right, 1000)).toBeUndefined();
      const after = edge.layer.protection();
      expect(after.authFailures - before.authFailures).toBe(5);
      expect(after.rateLimited).toBe(before.rateLimited);
      expect(after.dropped - before.dropped).toBe(2);
    } finally {
      slow.close();
    }
  }, 30_000);

  it("counts wrong answers to an INVITE's 407 as failures, and a challenge alone as none", async () => {
    const caller = await RawSip.open('127.0.0.6', { host: '127.0.0.1', port: edge.sipPort });
    try {
      const before = edge.layer.protection();
      const challenged = await caller.response(caller.invite('1001', '1002'), 2000);
      expect(challenged?.status).toBe(407);
      expect(edge.layer.protection().authFailures).toBe(before.authFailures);
      const challenge = challenged!.headers.getAll('proxy-authenticate')[0]!;
      const uri = `sip:1002@127.0.0.1:${edge.sipPort}`;
      for (let i = 1; i <= 5; i++) {
        const b = caller.invite('1001', '1002', {
          proxyAuthorization: answer(challenge, '1001', `nope-${i}`, uri, i, 'INVITE'),
          cseq: i + 1,
        });
        expect((await caller.response(b, 2000))?.status).toBe(407);
      }
      expect(edge.layer.protection().authFailures - before.authFailures).toBe(5);
      expect(await caller.response(caller.invite('1001', '1002'), 1000)).toBeUndefined();
    } finally {
      caller.close();
    }
  }, 30_000);

  it('bans the guessing address, and the extension still registers from its real device', async () => {
    const target = { host: '127.0.0.1', port: edge.sipPort };
    const attacker = await RawSip.open('127.0.0.3', target);
    try {
      const uri = `sip:127.0.0.1:${edge.sipPort}`;
      const before = edge.layer.protection();
      const first = await attacker.response(attacker.register('1001'), 2000);
      expect(first?.status).toBe(401);
      const challenges = first!.headers.getAll('www-authenticate');
      expect(challenges.map((c) => /algorithm=([\w-]+)/.exec(c)?.[1])).toEqual(['SHA-256', 'MD5']);
      const branches: string[] = [];
      for (let i = 1; i <= 300; i++) {
        const challenge = challenges[i % 2]!;
        branches.push(
          attacker.register('1001', {
            authorization: answer(challenge, '1001', `guess-${i}`, uri, i),
            cseq: i + 1,
          }),
        );
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const right = attacker.register('1001', {
        authorization: answer(challenges[0]!, '1001', 'right-pw-1001', uri, 301),
        cseq: 302,
      });
      expect(await attacker.response(right, 1500)).toBeUndefined();
      const answered = branches.map((b) => attacker.responses.get(b)?.status).filter((x) => x !== undefined);
      // Every answered guess was refused; the burst went over the rate limit and the address was banned, so the
      // rest were dropped unread.
      expect(answered.every((s) => s === 401)).toBe(true);
      expect(answered.length).toBeLessThan(40);
      const c = edge.layer.protection();
      expect(c.authFailures - before.authFailures).toBe(answered.length);
      expect(c.bannedAddresses).toBe(before.bannedAddresses + 1);
      expect(c.dropped - before.dropped).toBeGreaterThanOrEqual(300 - answered.length);
      expect(await edge.layer.bindings.contactsOf('1001')).toHaveLength(0);
    } finally {
      attacker.close();
    }

    // The phone, at another address, right after: SHA-256 with the project's digest client.
    const phonePort = await freePort('127.0.0.4');
    const phone = new SipStack({ transports: [new UdpTransport({ host: '127.0.0.4', port: phonePort })] });
    await phone.start();
    try {
      const h = new Headers();
      h.append('From', `<sip:1001@127.0.0.1>;tag=${newTag()}`);
      h.append('To', '<sip:1001@127.0.0.1>');
      h.append('Call-ID', newCallId());
      h.append('CSeq', '1 REGISTER');
      h.append('Contact', `<sip:1001@127.0.0.4:${phonePort}>`);
      h.append('Expires', '60');
      const req = new SipRequest('REGISTER', `sip:127.0.0.1:${edge.sipPort}`, h);
      const r = await sendWithDigest(
        phone,
        req,
        new DigestClient({ username: '1001', password: 'right-pw-1001' }),
      );
      expect(r.response.status).toBe(200);
      expect(r.request.request.headers.get('authorization')).toContain('algorithm=SHA-256');
      expect(await edge.layer.bindings.contactsOf('1001')).toHaveLength(1);
      expect(edge.agents.get('a-1001').presence).toBe(AgentState.READY);
    } finally {
      await phone.close();
    }
  }, 60_000);
});
