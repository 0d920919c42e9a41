import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { Headers } from '../message/headers.ts';
import { SipRequest } from '../message/message.ts';
import { DigestClient } from './digest-client.ts';
import { DEFAULT_DIGEST_POLICY, digestOffer } from './digest-policy.ts';
import { DigestServer } from './digest-server.ts';

function register(user: string, ua?: string, callId = 'c1', auth?: string) {
  return new SipRequest(
    'REGISTER',
    'sip:edge',
    Headers.from([
      ['From', `<sip:${user}@edge>;tag=1`],
      ['To', `<sip:${user}@edge>`],
      ['Call-ID', callId],
      ['CSeq', '1 REGISTER'],
      ...(ua ? ([['User-Agent', ua]] as Array<[string, string]>) : []),
      ...(auth ? ([['Authorization', auth]] as Array<[string, string]>) : []),
    ]),
  );
}

const algs = (h: Array<[string, string]>) => h.map(([, v]) => /algorithm=([^,]+)/.exec(v)?.[1]);

describe('digest policy', () => {
  const offer = digestOffer(DEFAULT_DIGEST_POLICY, (u) => (u === '2001' ? ['SHA-256'] : undefined));
  const server = new DigestServer({
    realm: 'edge',
    clock: new FakeClock(0),
    lookup: () => ({ password: 'pw' }),
    offer,
  });

  it('offers SHA-256 then MD5 by default, MD5 alone to known MD5-only clients, a device its own list', () => {
    expect(algs(server.challenge(false, register('1001', 'Zoiper 5')))).toEqual(['SHA-256', 'MD5']);
    expect(algs(server.challenge(false, register('1001', 'baresip v1.0.0 (x86_64/linux)')))).toEqual(['MD5']);
    expect(algs(server.challenge(false, register('2001', 'baresip v1.0.0')))).toEqual(['SHA-256']);
    expect(algs(server.challenge(false, register('nobody')))).toEqual(['SHA-256', 'MD5']);
  });

  it('a device limited to SHA-256 is refused an MD5 answer, and counted as no failure', async () => {
    const failures: string[] = [];
    const s = new DigestServer({
      realm: 'edge',
      clock: new FakeClock(0),
      lookup: () => ({ password: 'pw' }),
      offer,
      failures: { authFailed: (a) => failures.push(a) },
    });
    const res = new (await import('../message/message.ts')).SipResponse(401, 'Unauthorized');
    // A client that knows only MD5 answers the MD5 challenge a policy for another client offered.
    for (const [n, v] of s.challenge(false, register('1001')))
      if (v.includes('MD5')) res.headers.append(n, v);
    const req = register('2001');
    new DigestClient({ username: '2001', password: 'pw' }).authorize(req, res);
    expect(await s.verify(req, '192.0.2.9')).toMatchObject({ ok: false, failed: false });
    const ok = register('1001');
    new DigestClient({ username: '1001', password: 'pw' }).authorize(ok, res);
    expect(await s.verify(ok, '192.0.2.9')).toMatchObject({ ok: true });
    const wrong = register('1001');
    new DigestClient({ username: '1001', password: 'nope' }).authorize(wrong, res);
    expect(await s.verify(wrong, '192.0.2.9')).toMatchObject({ ok: false, failed: true });
    expect(await s.verify(register('1001'), '192.0.2.9')).toMatchObject({ ok: false, failed: false });
    expect(failures).toEqual(['192.0.2.9']);
  });

  it('learns a client that cannot answer SHA-256: it came back without credentials, so MD5 alone from then on', () => {
    const clock = new FakeClock(0);
    const offer = digestOffer({ algorithms: ['SHA-256', 'MD5'], md5OnlyUserAgents: [] }, undefined, clock);
    const auth = 'Digest username="1001"';
    // An old phone: challenged, no answer, the same registration again.
    expect(offer(register('1001', 'OldPhone 1.0', 'old'))).toEqual(['SHA-256', 'MD5']);
    clock.advanceSync(45_000);
    expect(offer(register('1001', 'OldPhone 1.0', 'old'))).toEqual(['MD5']);
    expect(offer(register('1001', 'OldPhone 1.0', 'old', auth))).toEqual(['MD5']);
    clock.advanceSync(600_000);
    expect(offer(register('1001', 'OldPhone 1.0', 'old'))).toEqual(['MD5']);
    // A SHA-256 phone answers its challenges: it never loses SHA-256, refresh after refresh.
    for (let i = 0; i < 3; i++) {
      expect(offer(register('1002', 'Modern 2', 'new'))).toEqual(['SHA-256', 'MD5']);
      expect(offer(register('1002', 'Modern 2', 'new', auth))).toEqual(['SHA-256', 'MD5']);
      clock.advanceSync(60_000);
    }
    // Each request is asked about twice (verify, then challenge): one answer per request.
    const r = register('1003', 'X', 'x');
    expect([offer(r), offer(r)]).toEqual([
      ['SHA-256', 'MD5'],
      ['SHA-256', 'MD5'],
    ]);
    // A site without MD5 offers no MD5, whatever a client does.
    const strict = digestOffer({ algorithms: ['SHA-256'], md5OnlyUserAgents: ['baresip'] }, undefined, clock);
    expect([strict(register('1', 'baresip', 's')), strict(register('1', 'baresip', 's'))]).toEqual([
      ['SHA-256'],
      ['SHA-256'],
    ]);
  });
});
