// A stack on an in-memory network with every outgoing packet captured, for tests that feed raw bytes.
import { FakeClock } from '@hcc/shared';
import type { SipMessage, SipResponse } from '../../src/sip/message/message.ts';
import { parseMessage } from '../../src/sip/message/parser.ts';
import { SipStack, type SipStackOptions } from '../../src/sip/stack.ts';
import { MemoryNetwork } from '../../src/sip/transport/memory.ts';

export interface Captured {
  to: { address: string; port: number };
  message: SipMessage;
}

export async function memoryStack(extra: Partial<SipStackOptions> = {}, reliable = false) {
  const net = new MemoryNetwork();
  const sent: Captured[] = [];
  net.filter = (data, _from, to) => {
    sent.push({
      to: { address: to.address, port: to.port },
      message: parseMessage(data, { datagram: true }),
    });
    return 'drop';
  };
  const clock = new FakeClock(0);
  const transport = net.transport('10.0.0.1', 5060, { reliable });
  const stack = new SipStack({ transports: [transport], clock, ...extra });
  await stack.start();
  const inject = async (data: Buffer, from = { address: '192.0.2.99', port: 5060 }) => {
    transport.inject(data, from);
    // Let router promises and queued sends settle.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const responses = () => sent.map((c) => c.message).filter((m): m is SipResponse => m.kind === 'response');
  return { net, sent, clock, transport, stack, inject, responses };
}
