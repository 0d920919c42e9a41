import { describe, expect, it } from 'vitest';
import { SipParseError } from '../errors.ts';
import { formatNameAddr, parseNameAddr } from './address.ts';
import { createResponse } from './build.ts';
import { SipRequest, SipResponse } from './message.ts';
import { parseMessage } from './parser.ts';
import { formatUri, isSipUri, parseUri, uriEquals } from './uri.ts';
import { formatVia, parseVia } from './via.ts';

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'utf8');

const INVITE = crlf(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: "Alice" <sip:alice@example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.1>
Content-Type: application/sdp
Content-Length: 4

v=0
`);

describe('parseMessage', () => {
  it('parses a request and its lazily parsed fields', () => {
    const m = parseMessage(INVITE, { datagram: true });
    expect(m).toBeInstanceOf(SipRequest);
    const r = m as SipRequest;
    expect(r.method).toBe('INVITE');
    expect(r.callId).toBe('a84b4c76e66710@pc33.example.com');
    expect(r.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(r.fromTag).toBe('1928301774');
    expect(r.toTag).toBeUndefined();
    expect(r.from.displayName).toBe('Alice');
    expect(r.to.displayName).toBe('Bob');
    expect(r.topVia.params.get('rport')).toBeNull();
    expect(r.topVia.port).toBe(5060);
    expect(r.body.toString()).toBe('v=0\r');
    expect(r.maxForwards).toBe(70);
  });

  it('round-trips through toBuffer', () => {
    const m = parseMessage(INVITE, { datagram: true });
    const again = parseMessage(m.toBuffer());
    expect(again.toBuffer().equals(m.toBuffer())).toBe(true);
  });

  it('parses responses, including an empty reason phrase', () => {
    const m = parseMessage(crlf('SIP/2.0 180 \nVia: SIP/2.0/TCP h;branch=z9hG4bKx\nContent-Length: 0\n\n'));
    expect(m).toBeInstanceOf(SipResponse);
    expect((m as SipResponse).status).toBe(180);
    expect((m as SipResponse).reason).toBe('');
  });

  it('expands compact names and unfolds lines', () => {
    const m = parseMessage(
      crlf('OPTIONS sip:a@b SIP/2.0\nv: SIP/2.0/UDP h\n  ;branch=z9hG4bK1\ni: x\nl: 0\nSubject:\n hello\n\n'),
    );
    expect(m.headers.get('Via')).toBe('SIP/2.0/UDP h ;branch=z9hG4bK1');
    expect(m.topVia.params.get('branch')).toBe('z9hG4bK1');
    expect(m.headers.get('call-id')).toBe('x');
    expect(m.headers.get('subject')).toBe('hello');
  });

  it('rejects a stream message without Content-Length and a negative one', () => {
    expect(() => parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h\n\n'))).toThrow(
      SipParseError,
    );
    const err = catchErr(() => parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nContent-Length: -1\n\n')));
    expect(err.status).toBe(400);
    expect(err.partial).toBeInstanceOf(SipRequest);
  });

  it('keeps parsing past a malformed header line so a 400 can still be sent', () => {
    const err = catchErr(() =>
      parseMessage(
        crlf('OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nbroken line\nl: 0\n\n'),
      ),
    );
    expect(err.reason).toBe('Malformed header line');
    expect(err.partial?.headers.get('via')).toBe('SIP/2.0/UDP h;branch=z9hG4bK1');
  });

  it('bounds the header count and line length', () => {
    const many = `OPTIONS sip:a@b SIP/2.0\n${'X-A: 1\n'.repeat(300)}l: 0\n\n`;
    expect(catchErr(() => parseMessage(crlf(many))).reason).toBe('Too many header fields');
    const long = `OPTIONS sip:a@b SIP/2.0\nX-A: ${'a'.repeat(9000)}\nl: 0\n\n`;
    expect(catchErr(() => parseMessage(crlf(long))).reason).toBe('Header line too long');
  });
});

describe('URIs', () => {
  it('parses sip URIs with params, headers and IPv6', () => {
    const u = parseUri('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi');
    expect(isSipUri(u)).toBe(true);
    if (!isSipUri(u)) return;
    expect(u.user).toBe('alice');
    expect(u.password).toBe('secret');
    expect(u.host).toBe('[2001:db8::1]');
    expect(u.port).toBe(5061);
    expect(u.params.get('transport')).toBe('tcp');
    expect(u.params.get('lr')).toBeNull();
    expect(u.headers).toBe('subject=hi');
    expect(formatUri(u)).toBe('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi');
  });

  it('parses tel and opaque URIs', () => {
    expect(parseUri('tel:+15550100;phone-context=example.com')).toMatchObject({
      scheme: 'tel',
      number: '+15550100',
    });
    expect(parseUri('urn:service:sos')).toEqual({ scheme: 'urn', opaque: 'service:sos' });
  });

  it('rejects IPv6 without brackets and garbage', () => {
    expect(() => parseUri('sip:2001:db8::10')).toThrow(SipParseError);
    expect(() => parseUri('<sip:a@b>')).toThrow(SipParseError);
    expect(() => parseUri('sip:a@b c')).toThrow(SipParseError);
  });

  it('compares per RFC 3261 §19.1.4', () => {
    expect(
      uriEquals(
        parseUri('sip:%61lice@ATLANTA.com;transport=TCP'),
        parseUri('sip:alice@AtLanTa.CoM;Transport=tcp'),
      ),
    ).toBe(true);
    expect(uriEquals(parseUri('sip:alice@example.com'), parseUri('sip:alice@example.com:5060'))).toBe(false);
    expect(uriEquals(parseUri('sip:bob@biloxi.com;transport=udp'), parseUri('sip:bob@biloxi.com'))).toBe(
      false,
    );
  });
});

describe('name-addr and Via', () => {
  it('parses quoted display names with escapes', () => {
    const a = parseNameAddr('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8');
    expect(a.displayName).toBe('J Rosenberg \\"');
    expect(a.params.get('tag')).toBe('98asjd8');
    expect(formatNameAddr(a)).toBe('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8');
  });

  it('treats addr-spec parameters as header parameters', () => {
    const a = parseNameAddr('sip:+1972@gw1.example.net;unknownparam');
    expect(a.params.has('unknownparam')).toBe(true);
  });

  it('parses Via with LWS around slashes and IPv6 received', () => {
    const v = parseVia('SIP  /   2.0 /UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];branch=z9hG4bKas3');
    expect(v.transport).toBe('UDP');
    expect(v.host).toBe('[2001:db8::9:1]');
    expect(v.port).toBe(5070);
    expect(v.params.get('received')).toBe('[2001:db8::9:255]');
    expect(formatVia(v)).toBe(
      'SIP/2.0/UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];branch=z9hG4bKas3',
    );
  });
});

describe('createResponse', () => {
  it('copies Via, From, To, Call-ID, CSeq and adds a To tag', () => {
    const req = parseMessage(INVITE, { datagram: true }) as SipRequest;
    const res = createResponse(req, 486, { toTag: 'abc' });
    expect(res.reason).toBe('Busy Here');
    expect(res.toTag).toBe('abc');
    expect(res.headers.get('via')).toBe(req.headers.get('via'));
    expect(res.cseq).toEqual(req.cseq);
  });
});

function catchErr(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('did not throw');
}
