// Two stacks on an in-memory network with a fake clock, for unit tests (not part of the public API).
import { FakeClock } from '@hcc/shared';
import { newCallId, newTag } from './message/build.ts';
import { Headers } from './message/headers.ts';
import { type SipMessage, SipRequest } from './message/message.ts';
import { parseMessage } from './message/parser.ts';
import { SipStack, type SipStackOptions } from './stack.ts';
import { MemoryNetwork } from './transport/memory.ts';

export async function flush(n = 10) {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

export async function pair(reliable = false, bOpts: Partial<SipStackOptions> = {}) {
  const net = new MemoryNetwork();
  const wire: SipMessage[] = [];
  const clock = new FakeClock(0);
  const a = new SipStack({ transports: [net.transport('10.0.0.1', 5060, { reliable })], clock });
  const b = new SipStack({ transports: [net.transport('10.0.0.2', 5060, { reliable })], clock, ...bOpts });
  await a.start();
  await b.start();
  const base = net.filter;
  net.filter = (data, from, to) => {
    wire.push(parseMessage(data, { datagram: true }));
    return base(data, from, to);
  };
  /** Advances fake time in steps, letting deliveries and handlers run in between. */
  const run = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      clock.advanceSync(step);
      await flush(3);
    }
  };
  return { net, wire, clock, a, b, run };
}

export function invite(to = 'sip:bob@10.0.0.2:5060', method = 'INVITE'): SipRequest {
  const h = Headers.from([
    ['From', `<sip:alice@10.0.0.1>;tag=${newTag()}`],
    ['To', `<${to.replace(/:5060(;.*)?$/, '')}>`],
    ['Call-ID', newCallId()],
    ['CSeq', `1 ${method}`],
  ]);
  const body =
    method === 'INVITE'
      ? Buffer.from(
          'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
        )
      : undefined;
  if (body) h.append('Content-Type', 'application/sdp');
  return new SipRequest(method, to, h, body);
}
