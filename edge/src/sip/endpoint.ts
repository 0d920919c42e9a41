// This stack as seen from the network: its sent-by and Contact per transport, the transport for a next hop,
// and the headers every request it originates carries (RFC 3261 §8.1.1, RFC 3581 rport).
import { SipError } from './errors.ts';
import { newBranch } from './message/build.ts';
import type { SipRequest } from './message/message.ts';
import { uriHost } from './message/uri.ts';
import { type NextHop, nextHop } from './routing.ts';
import type { Destination, Flow, Transport } from './transport/transport.ts';

export class LocalEndpoint {
  constructor(
    readonly transports: readonly Transport[],
    /** Host written in Via and Contact (default: each transport's bound address). */
    private readonly advertisedHost?: string,
  ) {}

  sentBy(t: Transport): string {
    return `${uriHost(this.advertisedHost ?? t.localAddress)}:${t.localPort}`;
  }

  /** Contact URI of this stack on a transport. */
  contactFor(t: Transport): string {
    const proto = t.protocol === 'UDP' ? '' : `;transport=${t.protocol.toLowerCase()}`;
    return `<sip:${this.sentBy(t)}${proto}>`;
  }

  /** The transport for a hop: same protocol and address family, else same protocol. */
  transportFor(hop: NextHop): Transport {
    const v6 = hop.address.includes(':');
    const same = this.transports.filter((t) => t.protocol === hop.protocol);
    const t = same.find((x) => x.localAddress.includes(':') === v6) ?? same[0];
    if (!t) throw new SipError(503, `No ${hop.protocol} transport`);
    return t;
  }

  /**
   * Where a request goes: an open stream connection when one is given (connection reuse), else the next hop
   * from Route / Request-URI (or `hop`). UDP in-dialog requests follow the route set, not the last source.
   */
  target(req: SipRequest, flow?: Flow, hop?: NextHop): { transport: Transport; dest: Destination } {
    // A dialog on a stream keeps its connection (RFC 5626/7118: a WebSocket client's Contact host is
    // `.invalid`); without a connection id the transport finds it by remote address and port.
    if (flow?.transport.reliable) {
      return {
        transport: flow.transport,
        dest: {
          address: flow.remoteAddress,
          port: flow.remotePort,
          ...(flow.connectionId ? { connectionId: flow.connectionId } : {}),
        },
      };
    }
    const h = hop ?? nextHop(req);
    return { transport: this.transportFor(h), dest: { address: h.address, port: h.port } };
  }

  /** Top Via with a fresh branch and rport, Max-Forwards, and a Contact on dialog-creating requests. */
  prepare(req: SipRequest, transport: Transport): void {
    req.headers.prepend(
      'Via',
      `SIP/2.0/${transport.protocol} ${this.sentBy(transport)};branch=${newBranch()};rport`,
    );
    if (!req.headers.has('max-forwards')) req.headers.append('Max-Forwards', '70');
    const needsContact = req.method === 'INVITE' || req.method === 'SUBSCRIBE' || req.method === 'REFER';
    if (needsContact && !req.headers.has('contact'))
      req.headers.append('Contact', this.contactFor(transport));
  }
}
