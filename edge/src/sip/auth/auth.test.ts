import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { Headers } from '../message/headers.ts';
import { SipRequest, SipResponse } from '../message/message.ts';
import { invite, pair } from '../test-pair.ts';
import { allowFrom, IpAllowList } from './acl.ts';
import { digestResponse, ha1, parseAuthHeader } from './digest.ts';
import { DigestClient, sendWithDigest } from './digest-client.ts';
import { DigestServer } from './digest-server.ts';

const users = new Map([['alice', { password: 's3cret' }]]);

function request(method = 'REGISTER') {
  return new SipRequest(method, 'sip:example.com', Headers.from([['CSeq', `1 ${method}`]]));
}

function challenged(server: DigestServer, status = 401): SipResponse {
  const res = new SipResponse(status, 'Unauthorized');
  for (const [n, v] of server.challenge()) res.headers.append(status === 407 ? 'Proxy-Authenticate' : n, v);
  return res;
}

describe('digest', () => {
  it('computes the RFC 2617 §3.5 example response', () => {
    const h1 = ha1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    expect(
      digestResponse({
        algorithm: 'MD5',
        ha1: h1,
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        nc: '00000001',
        cnonce: '0a4f113b',
        qop: 'auth',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('parses challenge headers with quoted commas', () => {
    const { scheme, params } = parseAuthHeader(
      'Digest realm="a, b", nonce="x", algorithm=SHA-256, qop="auth,auth-int"',
    );
    expect(scheme).toBe('Digest');
    expect(params.get('realm')).toBe('a, b');
    expect(params.get('qop')).toBe('auth,auth-int');
  });

  for (const alg of ['SHA-256', 'MD5'] as const) {
    it(`accepts a correct ${alg} answer once and rejects its replay`, async () => {
      const clock = new FakeClock(0);
      const server = new DigestServer({
        realm: 'edge',
        clock,
        lookup: (u) => users.get(u),
        algorithms: [alg],
      });
      const client = new DigestClient({ username: 'alice', password: 's3cret' });
      const req = request();
      expect(client.authorize(req, challenged(server))).toBe(true);
      expect(req.headers.get('authorization')).toContain(`algorithm=${alg}`);
      expect(await server.verify(req)).toEqual({ ok: true, username: 'alice' });
      // Same nonce-count again: a replay.
      expect((await server.verify(req)).ok).toBe(false);
    });
  }

  it('prefers SHA-256 when both are offered', () => {
    const server = new DigestServer({ realm: 'edge', clock: new FakeClock(0), lookup: (u) => users.get(u) });
    const req = request();
    new DigestClient({ username: 'alice', password: 's3cret' }).authorize(req, challenged(server));
    expect(req.headers.get('authorization')).toContain('algorithm=SHA-256');
  });

  it('answers the same for an unknown user and a wrong password', async () => {
    const server = new DigestServer({ realm: 'edge', clock: new FakeClock(0), lookup: (u) => users.get(u) });
    const wrong = request();
    new DigestClient({ username: 'alice', password: 'nope' }).authorize(wrong, challenged(server));
    const unknown = request();
    new DigestClient({ username: 'mallory', password: 's3cret' }).authorize(unknown, challenged(server));
    expect(await server.verify(wrong)).toEqual({ ok: false, stale: false, failed: true });
    expect(await server.verify(unknown)).toEqual({ ok: false, stale: false, failed: true });
  });

  it('expires nonces after 300 s (stale=true) and rejects forged ones', async () => {
    const clock = new FakeClock(0);
    const server = new DigestServer({ realm: 'edge', clock, lookup: (u) => users.get(u) });
    const req = request();
    new DigestClient({ username: 'alice', password: 's3cret' }).authorize(req, challenged(server));
    clock.advanceSync(300_001);
    expect(await server.verify(req)).toEqual({ ok: false, stale: true, failed: false });
    expect(server.challenge(true)[0]![1]).toContain('stale=true');
    const forged = request();
    forged.headers.set(
      'Authorization',
      (req.headers.get('authorization') ?? '').replace(/nonce="[^"]*"/, 'nonce="0.AAAA.BBBB"'),
    );
    expect(await server.verify(forged)).toEqual({ ok: false, stale: false, failed: false });
  });

  it('challenges over the stack and the client retries with the next CSeq', async () => {
    const { a, b, wire, run } = await pair();
    const server = new DigestServer({ realm: 'edge', clock: b.clock, lookup: (u) => users.get(u) });
    b.use(
      'OPTIONS',
      server.middleware(),
      (req) => void req.reply(200, { headers: [['X-User', String(req.locals.authUser)]] }),
    );
    const p = sendWithDigest(
      a,
      invite(undefined, 'OPTIONS'),
      new DigestClient({ username: 'alice', password: 's3cret' }),
    );
    await run(500);
    const { response } = await p;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-user')).toBe('alice');
    const cseqs = wire.filter((m) => m.kind === 'request').map((m) => m.cseq.seq);
    expect(cseqs).toEqual([1, 2]);
    const c401 = wire.find((m) => m.kind === 'response' && m.status === 401);
    expect(c401?.headers.getAll('www-authenticate')).toHaveLength(2);
  });
});

describe('IP allow-list', () => {
  it('matches IPv4 and IPv6 CIDRs and single addresses', () => {
    const l = new IpAllowList(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']);
    expect(l.allows('192.0.2.77')).toBe(true);
    expect(l.allows('192.0.3.1')).toBe(false);
    expect(l.allows('2001:db8::5')).toBe(true);
    expect(l.allows('2001:db9::5')).toBe(false);
    expect(l.allows('198.51.100.7')).toBe(true);
    expect(l.allows('not-an-ip')).toBe(false);
  });

  it('rejects requests from outside the list with 403', async () => {
    const { a, b, run } = await pair();
    b.use('INVITE', allowFrom(new IpAllowList(['10.9.0.0/16'])), (req) => void req.reply(200));
    const out = a.send(invite());
    await run(300);
    expect((await out.final).status).toBe(403);
  });
});
