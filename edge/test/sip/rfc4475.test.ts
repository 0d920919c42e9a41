// RFC 4475 torture messages (byte-exact fixtures) and the RFC 5118 IPv6 cases, each checked for the behaviour
// its section asks for.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { percentDecode } from '../../src/sip/message/grammar.ts';
import { type SipRequest, SipResponse } from '../../src/sip/message/message.ts';
import { parseMessage } from '../../src/sip/message/parser.ts';
import { isSipUri } from '../../src/sip/message/uri.ts';
import { memoryStack } from './memory-harness.ts';

const dir = join(import.meta.dirname, '../fixtures/rfc4475');
const v6dir = join(import.meta.dirname, '../fixtures/rfc5118');
const load = (name: string) =>
  readFileSync(
    join(dir, readdirSync(join(dir, 'valid')).includes(`${name}.dat`) ? 'valid' : 'invalid', `${name}.dat`),
  );

/** Expected outcome of feeding the message to the stack over UDP: a status, 'accept' (reaches the app), 'drop'. */
const EXPECTED: Record<string, number | 'accept' | 'drop'> = {
  // §3.1.1 valid
  wsinv: 481, // parses (see below); its To tag names a dialog this element does not have (§12.2.2)
  intmeth: 'accept',
  esc01: 'accept',
  escnull: 'accept',
  esc02: 'accept',
  lwsdisp: 'accept',
  longreq: 'accept',
  dblreq: 'accept',
  semiuri: 'accept',
  transports: 'accept',
  mpart01: 'accept',
  unreason: 'drop', // a response no transaction of ours matches
  noreason: 'drop',
  // §3.1.2 invalid
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: 'drop',
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400, // §3.1.2.9 allows 400 or liberal acceptance
  trws: 400, // §3.1.2.10 likewise
  escruri: 400, // §3.1.2.11 likewise
  baddate: 'accept', // §3.1.2.12: Date is not used by this element
  regbadct: 400,
  badaspec: 'accept', // §3.1.2.14: liberal, the URI is re-emitted without the spaces
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 501,
  bigcode: 'drop',
  // §3.2 transaction layer
  badbranch: 400,
  // §3.3 application layer
  insuf: 400,
  unkscm: 416,
  novelsc: 416,
  unksm2: 'accept',
  bext01: 420,
  invut: 415,
  regaut01: 'accept', // the registrar answers 401 (registrar.test.ts)
  multi01: 400,
  mcl01: 400,
  bcast: 'drop',
  zeromf: 483,
  cparam01: 'accept',
  cparam02: 'accept',
  regescrt: 'accept',
  sdp01: 406,
  // §3.4 backward compatibility
  inv2543: 'accept',
};

describe('RFC 4475 over the stack (UDP)', () => {
  let h: Awaited<ReturnType<typeof memoryStack>>;
  let seen: SipRequest[];
  beforeEach(async () => {
    h = await memoryStack();
    seen = [];
    h.stack.use((req) => {
      seen.push(req.message);
      req.reply(200);
    });
  });

  const all = [...readdirSync(join(dir, 'valid')), ...readdirSync(join(dir, 'invalid'))].map((f) =>
    f.replace('.dat', ''),
  );
  it('has an expectation for every fixture', () => {
    expect(all.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: ${want}`, async () => {
      await h.inject(load(name));
      const res = h.responses();
      if (name === 'wsinv') {
        expect(res.map((r) => r.status)).toEqual([481]);
      } else if (want === 'accept') {
        expect(seen).toHaveLength(1);
        expect(res.map((r) => r.status)).toEqual([200]);
      } else if (want === 'drop') {
        expect(seen).toHaveLength(0);
        expect(res).toHaveLength(0);
      } else {
        expect(seen).toHaveLength(0);
        expect(res.map((r) => r.status)).toEqual([want]);
        expect(res[0]!.reason.length).toBeGreaterThan(0);
      }
    });
  }

  it('names the fault in the reason phrase', async () => {
    await h.inject(load('insuf'));
    expect(h.responses()[0]!.reason).toBe('Missing Call-ID header');
    await h.inject(load('mcl01'));
    expect(h.responses()[1]!.reason).toBe('Multiple Content-Length values');
  });

  it('lists unsupported extensions in 420 and acceptable types in 415', async () => {
    await h.inject(load('bext01'));
    await h.inject(load('invut'));
    const [r420, r415] = h.responses();
    expect(r420!.headers.get('unsupported')).toBe('nothingSupportsThis, nothingSupportsThisEither');
    expect(r415!.headers.get('accept')).toContain('application/sdp');
  });

  it('matches a retransmitted RFC 2543 INVITE (no branch) to its transaction (§17.2.3 fallback)', async () => {
    await h.inject(load('inv2543'));
    await h.inject(load('inv2543'));
    expect(seen).toHaveLength(1);
    expect(h.responses().map((r) => r.status)).toEqual([200]);
  });

  it('answers RFC 2543 peers at received and the Via port (no branch, no rport, §18.2.2)', async () => {
    await h.inject(load('inv2543'));
    expect(h.sent[0]!.to).toEqual({ address: '192.0.2.99', port: 5060 });
    expect(h.responses()[0]!.topVia.params.get('received')).toBe('192.0.2.99');
  });
});

describe('RFC 4475 §3.1.1 structures', () => {
  const req = (name: string) => parseMessage(load(name), { datagram: true }) as SipRequest;

  it('wsinv', () => {
    const m = req('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.toTag).toBe('1918181833n');
    expect(m.fromTag).toBe('98asjd8');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.vias.map((v) => [v.transport, v.host, v.params.get('branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('unknownheaderwithunusualvalue')).toBe(';;,,;;,;');
    expect(m.headers.get('subject')).toBe('');
    const c = m.contacts[0]!;
    expect(c.displayName).toBe('Quoted string ""');
    expect([...c.params]).toEqual([
      ['newparam', 'newvalue'],
      ['secondparam', null],
      ['q', '0.33'],
    ]);
    const route = m.routes[0]!.uri;
    expect(isSipUri(route) && [...route.params.keys()]).toEqual(['lr', 'unknownwith', 'unknown-no-value']);
    expect(m.body.length).toBe(150);
  });

  it('intmeth', () => {
    const m = req('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const u = m.uri;
    expect(isSipUri(u) && u.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(isSipUri(u) && u.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.fromTag).toBe("_token~1'+`*%!-.");
    expect(m.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF\u5927\u505C\u96FB');
  });

  it('esc01 and escnull decode escapes where they are escapes', () => {
    const m = req('esc01');
    const u = m.uri;
    expect(isSipUri(u) && percentDecode(u.user)).toBe('sips:user@example.com');
    const from = m.from.uri;
    expect(isSipUri(from) && percentDecode(from.user)).toBe('I have spaces');
    const c = m.contacts[0]!.uri;
    expect(isSipUri(c) && [...c.params]).toEqual([
      ['lr', null],
      ['name', 'v%61lue%25%34%31'],
    ]);
    const n = req('escnull');
    const to = n.to.uri;
    expect(isSipUri(to) && percentDecode(to.user)).toBe('null-\0-null');
    expect(n.contacts).toHaveLength(2);
  });

  it('esc02: % in the method and in an unknown header name is no escape', () => {
    const m = req('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.cseq.method).toBe('RE%47IST%45R');
    expect(m.to.displayName).toBe('%Z%45');
    expect(m.contacts).toHaveLength(2);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('lwsdisp, longreq, dblreq, semiuri, transports, mpart01', () => {
    expect(req('lwsdisp').from.displayName).toBe('caller');
    const long = req('longreq');
    expect(long.vias).toHaveLength(34);
    expect(long.to.displayName).toMatch(/^I have a user name of (extreme)+ proportion$/);
    expect(long.body.length).toBe(150);
    const dbl = req('dblreq');
    expect(dbl.method).toBe('REGISTER');
    expect(dbl.body.length).toBe(0);
    const semi = req('semiuri').uri;
    expect(isSipUri(semi) && [semi.user, semi.host]).toEqual(['user;par=u%40example.net', 'example.com']);
    expect(req('transports').vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    const mp = req('mpart01');
    expect(mp.contentType).toBe('multipart/mixed');
    expect(mp.body.length).toBe(553);
    expect(mp.body.equals(load('mpart01').subarray(load('mpart01').length - 553))).toBe(true);
  });

  it('unreason and noreason', () => {
    const u = parseMessage(load('unreason'), { datagram: true }) as SipResponse;
    expect(u).toBeInstanceOf(SipResponse);
    expect(u.status).toBe(200);
    expect(u.reason.startsWith('= 2**3 * 5**2 но')).toBe(true);
    const n = parseMessage(load('noreason'), { datagram: true }) as SipResponse;
    expect([n.status, n.reason]).toEqual([100, '']);
  });

  it('§3.3.12-14: Contact parameters versus URI parameters, escaped URI headers', () => {
    const c1 = req('cparam01').contacts[0]!;
    expect(c1.params.has('unknownparam')).toBe(true);
    const c2 = req('cparam02').contacts[0]!;
    expect(c2.params.size).toBe(0);
    expect(isSipUri(c2.uri) && c2.uri.params.has('unknownparam')).toBe(true);
    const c3 = req('regescrt').contacts[0]!.uri;
    expect(isSipUri(c3) && percentDecode(c3.headers)).toBe('Route=<sip:sip.example.com>');
  });
});

describe('RFC 5118 IPv6 torture cases', () => {
  const EXPECT_V6: Record<string, number | 'accept'> = {
    'ipv6-good': 'accept',
    'ipv6-bad': 400,
    'port-ambiguous': 'accept',
    'port-unambiguous': 'accept',
    'via-received-param-with-delim': 481, // a BYE for no dialog: parsed, then answered by the dialog layer
    'via-received-param-no-delim': 'accept',
    'ipv6-in-sdp': 'accept',
    'mult-ip-in-header': 481,
    'mult-ip-in-sdp': 'accept',
    'ipv4-mapped-ipv6': 'accept',
    'ipv6-bug-abnf-3-colons': 'accept', // §4.10: "an implementation must tolerate both"
    'ipv6-correct-abnf-2-colons': 'accept',
  };

  it('has every fixture', () => {
    expect(
      readdirSync(v6dir)
        .filter((f) => f.endsWith('.dat'))
        .map((f) => f.replace('.dat', ''))
        .sort(),
    ).toEqual(Object.keys(EXPECT_V6).sort());
  });

  for (const [name, want] of Object.entries(EXPECT_V6)) {
    it(`${name}: ${want}`, async () => {
      const h = await memoryStack();
      let reached = 0;
      h.stack.use((req) => {
        reached++;
        req.reply(200);
      });
      await h.inject(readFileSync(join(v6dir, `${name}.dat`)), { address: '2001:db8::99', port: 5060 });
      expect(h.responses().map((r) => r.status)).toEqual([want === 'accept' ? 200 : want]);
      expect(reached).toBe(want === 'accept' ? 1 : 0);
    });
  }

  it('reads [2001:db8::10:5070] as an address without port, and the port outside the brackets', () => {
    const amb = parseMessage(readFileSync(join(v6dir, 'port-ambiguous.dat'))) as SipRequest;
    expect(isSipUri(amb.uri) && [amb.uri.host, amb.uri.port]).toEqual(['[2001:db8::10:5070]', undefined]);
    const un = parseMessage(readFileSync(join(v6dir, 'port-unambiguous.dat'))) as SipRequest;
    expect(isSipUri(un.uri) && [un.uri.host, un.uri.port]).toEqual(['[2001:db8::10]', 5070]);
    const rx = parseMessage(readFileSync(join(v6dir, 'via-received-param-with-delim.dat'))) as SipRequest;
    expect(rx.topVia.params.get('received')).toBe('[2001:db8::9:255]');
  });

  it('sends responses to an IPv6 source with a received parameter', async () => {
    const h = await memoryStack();
    h.stack.use((req) => void req.reply(200));
    await h.inject(readFileSync(join(v6dir, 'ipv6-good.dat')), { address: '2001:db8::99', port: 5070 });
    const via = h.responses()[0]!.topVia;
    expect(via.params.get('received')).toBe('2001:db8::99');
    expect(h.sent[0]!.to).toEqual({ address: '2001:db8::99', port: 5060 });
  });
});
