import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DigestClient, sendWithDigest } from '../auth/digest-client.ts';
import { DigestServer } from '../auth/digest-server.ts';
import { newCallId, newTag } from '../message/build.ts';
import { Headers } from '../message/headers.ts';
import { SipRequest } from '../message/message.ts';
import { pair } from '../test-pair.ts';
import { Registrar } from './registrar.ts';
import { MemoryBindingStore } from './store.ts';

async function setup(withAuth = false) {
  const p = await pair();
  const store = new MemoryBindingStore();
  const auth = withAuth
    ? new DigestServer({
        realm: 'edge',
        clock: p.b.clock,
        lookup: (u) => (u === 'alice' ? { password: 'pw' } : undefined),
      })
    : undefined;
  const registrar = new Registrar({ clock: p.b.clock, store, auth });
  p.b.use('REGISTER', registrar.handler());
  const callId = newCallId();
  let cseq = 1;
  const register = async (contacts: string[], expires?: number, sameCseq = false) => {
    const h = Headers.from([
      ['From', `<sip:alice@10.0.0.2>;tag=${newTag()}`],
      ['To', '<sip:alice@10.0.0.2>'],
      ['Call-ID', callId],
      ['CSeq', `${sameCseq ? cseq : ++cseq} REGISTER`],
    ]);
    for (const c of contacts) h.append('Contact', c);
    if (expires !== undefined) h.append('Expires', String(expires));
    const out = p.a.send(new SipRequest('REGISTER', 'sip:10.0.0.2', h));
    await p.run(300);
    return out.final;
  };
  return { ...p, store, registrar, register };
}

describe('Registrar', () => {
  it('registers several contacts, refreshes, lists them, removes one and then all', async () => {
    const { register, registrar, clock } = await setup();
    const r1 = await register(['<sip:alice@192.0.2.1:5060>;expires=600', '<sip:alice@192.0.2.2:5060>;q=0.5']);
    expect(r1.status).toBe(200);
    expect(r1.contacts).toHaveLength(2);
    expect((await registrar.lookup('sip:alice@10.0.0.2')).map((b) => [b.contact, b.q])).toEqual([
      ['sip:alice@192.0.2.1:5060', 1],
      ['sip:alice@192.0.2.2:5060', 0.5],
    ]);
    // Refresh the first one with a shorter expiry.
    const r2 = await register(['<sip:alice@192.0.2.1:5060>'], 120);
    const exp = r2.contacts.map((c) => Number(c.params.get('expires')));
    expect(exp.sort((x, y) => x - y)[0]).toBeLessThanOrEqual(120);
    // Query only.
    expect((await register([])).contacts).toHaveLength(2);
    // Remove one.
    await register(['<sip:alice@192.0.2.2:5060>;expires=0']);
    expect(await registrar.lookup('sip:alice@10.0.0.2')).toHaveLength(1);
    // Expiry.
    clock.advanceSync(121_000);
    expect(await registrar.lookup('sip:alice@10.0.0.2')).toHaveLength(0);
    await register(['<sip:alice@192.0.2.3>']);
    const r3 = await register(['*'], 0);
    expect(r3.status).toBe(200);
    expect(r3.contacts).toHaveLength(0);
  });

  it('rejects too-brief intervals with Min-Expires, a bad wildcard, and out-of-order CSeq', async () => {
    const { register } = await setup();
    const r423 = await register(['<sip:alice@192.0.2.1>'], 10);
    expect([r423.status, r423.headers.get('min-expires')]).toEqual([423, '60']);
    expect((await register(['*'], 3600)).status).toBe(400);
    expect((await register(['<sip:alice@192.0.2.1>'])).status).toBe(200);
    expect((await register(['<sip:alice@192.0.2.1>'], undefined, true)).status).toBe(500);
  });

  it('requires digest credentials when configured (and answers RFC 4475 regaut01 with 401)', async () => {
    const { a, b, run } = await setup(true);
    const h = Headers.from([
      ['From', `<sip:alice@10.0.0.2>;tag=${newTag()}`],
      ['To', '<sip:alice@10.0.0.2>'],
      ['Call-ID', newCallId()],
      ['CSeq', '1 REGISTER'],
      ['Contact', '<sip:alice@192.0.2.1>'],
    ]);
    const p = sendWithDigest(
      a,
      new SipRequest('REGISTER', 'sip:10.0.0.2', h),
      new DigestClient({ username: 'alice', password: 'pw' }),
    );
    await run(500);
    expect((await p).response.status).toBe(200);
    // regaut01: an unknown scheme gets a Digest challenge.
    const raw = readFileSync(
      join(import.meta.dirname, '../../../test/fixtures/rfc4475/invalid/regaut01.dat'),
    );
    const sent: number[] = [];
    const t = b.transports[0]!;
    const orig = t.send.bind(t);
    t.send = async (data, dest) => {
      sent.push(Number(data.toString('latin1').split(' ')[1]));
      return orig(data, dest);
    };
    b.receive(raw, { transport: t, remoteAddress: '192.0.2.253', remotePort: 5060 });
    await run(200);
    expect(sent).toEqual([401]);
  });

  it('refuses a user registering someone else’s AOR', async () => {
    const { a, run } = await setup(true);
    const h = Headers.from([
      ['From', `<sip:bob@10.0.0.2>;tag=${newTag()}`],
      ['To', '<sip:bob@10.0.0.2>'],
      ['Call-ID', newCallId()],
      ['CSeq', '1 REGISTER'],
      ['Contact', '<sip:bob@192.0.2.1>'],
    ]);
    const p = sendWithDigest(
      a,
      new SipRequest('REGISTER', 'sip:10.0.0.2', h),
      new DigestClient({ username: 'alice', password: 'pw' }),
    );
    await run(500);
    expect((await p).response.status).toBe(403);
  });
});
