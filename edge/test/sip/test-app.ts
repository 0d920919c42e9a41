// The minimal application the integration tests and benchmarks run on the stack: answers 200 (with SDP),
// hangs up when asked to, registers users with digest auth. Nothing of the call layer.

import type { Transport } from '../../src/sip/index.ts';
import {
  DEFAULT_DIGEST_POLICY,
  type DigestAlgorithm,
  DigestServer,
  digestOffer,
  MemoryBindingStore,
  Registrar,
  type SipLogger,
  SipStack,
  systemClock,
  TcpTransport,
  UdpTransport,
} from '../../src/sip/index.ts';

export interface TestAppOptions {
  host: string;
  udpPort: number;
  tcpPort?: number;
  logger?: SipLogger;
  /** Digest algorithms offered to REGISTER (default: the edge's default digest policy). */
  algorithms?: DigestAlgorithm[];
  users?: Record<string, string>;
  extraTransports?: Transport[];
}

const ANSWER = [
  'v=0',
  'o=edge 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

export async function startTestApp(opts: TestAppOptions) {
  const clock = systemClock;
  const transports: Transport[] = [new UdpTransport({ host: opts.host, port: opts.udpPort })];
  if (opts.tcpPort !== undefined) transports.push(new TcpTransport({ host: opts.host, port: opts.tcpPort }));
  transports.push(...(opts.extraTransports ?? []));
  const stack = new SipStack({ transports, clock, logger: opts.logger });
  const users = opts.users ?? { sipp: 'secret', alice: 'secret' };
  const auth = new DigestServer({
    realm: 'edge.test',
    clock,
    ...(opts.algorithms
      ? { algorithms: opts.algorithms }
      : { algorithms: DEFAULT_DIGEST_POLICY.algorithms, offer: digestOffer(DEFAULT_DIGEST_POLICY) }),
    lookup: (u) => (users[u] !== undefined ? { password: users[u] } : undefined),
  });
  const registrar = new Registrar({ clock, store: new MemoryBindingStore(), auth, minExpires: 1 });
  const stats = { invites: 0, byes: 0, cancels: 0, hangups: 0 };
  const answer = { body: ANSWER, contentType: 'application/sdp' };

  stack.use('REGISTER', registrar.handler());
  stack.use('OPTIONS', (req) => void req.reply(200));
  stack.use('INVITE', (req) => {
    stats.invites++;
    if (req.dialog) {
      req.reply(200, answer); // re-INVITE
      return;
    }
    const uri = req.message.uri;
    const user = 'user' in uri ? uri.user : '';
    if (user === 'slow') {
      req.reply(180);
      req.onCancel(() => {
        stats.cancels++;
      });
      return;
    }
    const dialog = req.reply(200, answer);
    if (user === 'hangup' && dialog) {
      setTimeout(() => {
        stats.hangups++;
        void dialog.bye().catch(() => {});
      }, 200).unref();
    }
  });
  stack.use('ACK', () => {});
  stack.use('BYE', (req) => {
    stats.byes++;
    req.reply(200);
  });
  await stack.start();
  return { stack, registrar, stats, close: () => stack.close() };
}
