// Whole calls between two stacks over real TLS, WebSocket (RFC 7118) and IPv6 TCP sockets on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import {
  Headers,
  newCallId,
  newTag,
  SipRequest,
  SipStack,
  TcpTransport,
  TlsTransport,
  type Transport,
  WsTransport,
} from '../../src/sip/index.ts';
import { makeTestCert } from '../../src/sip/transport/test-cert.ts';

const cert = makeTestCert();
const stacks: SipStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

async function stack(t: Transport): Promise<SipStack> {
  const s = new SipStack({ transports: [t] });
  stacks.push(s);
  await s.start();
  return s;
}

function invite(target: string): SipRequest {
  return new SipRequest(
    'INVITE',
    target,
    Headers.from([
      ['From', `<sip:caller@example.com>;tag=${newTag()}`],
      ['To', '<sip:agent@example.com>'],
      ['Call-ID', newCallId()],
      ['CSeq', '1 INVITE'],
    ]),
  );
}

const CASES: Array<{ name: string; make: () => Transport; host: string; param: string }> = [
  {
    name: 'TLS',
    make: () => new TlsTransport({ host: '127.0.0.1', port: 0, ...cert, ca: cert.cert }),
    host: '127.0.0.1',
    param: 'tls',
  },
  { name: 'WS', make: () => new WsTransport({ host: '127.0.0.1', port: 0 }), host: '127.0.0.1', param: 'ws' },
  {
    name: 'WSS',
    make: () => new WsTransport({ host: '127.0.0.1', port: 0, tls: { ...cert, ca: cert.cert } }),
    host: '127.0.0.1',
    param: 'wss',
  },
  {
    name: 'TCP over IPv6',
    make: () => new TcpTransport({ host: '::1', port: 0 }),
    host: '[::1]',
    param: 'tcp',
  },
];

describe('calls over secure and browser transports', () => {
  for (const c of CASES) {
    it(`INVITE/200/ACK/BYE over ${c.name}, one connection reused both ways`, async () => {
      const uas = await stack(c.make());
      const uac = await stack(c.make());
      const acked: string[] = [];
      let byeProtocol = '';
      uas.use('INVITE', (req) => void req.reply(200, { body: 'v=0\r\n', contentType: 'application/sdp' }));
      uas.use('ACK', (req) => void acked.push(req.source.protocol));
      uas.use('BYE', (req) => {
        byeProtocol = req.source.protocol;
        req.reply(200);
      });
      const port = uas.transports[0]!.localPort;
      const out = uac.send(invite(`sip:agent@${c.host}:${port};transport=${c.param}`));
      const res = await out.final;
      expect(res.status).toBe(200);
      expect(res.topVia.transport).toBe(c.param.toUpperCase());
      await new Promise((r) => setTimeout(r, 50));
      expect(acked).toHaveLength(1);
      const bye = await out.dialog!.bye();
      expect(bye.status).toBe(200);
      expect(byeProtocol).toBe(uas.transports[0]!.protocol);
      const t = uas.transports[0] as unknown as { connectionCount?: number };
      if (t.connectionCount !== undefined) expect(t.connectionCount).toBe(1);
    });
  }
});
