// Where messages go: the response address of RFC 3261 §18.2.2 with RFC 3581 rport, received/rport stamping
// (§18.2.1), and the next hop of a request (§8.1.2, RFC 3263 without DNS SRV/NAPTR: IP literals and A/AAAA).
import { formatParams, splitList } from './message/grammar.ts';
import type { SipRequest } from './message/message.ts';
import { bareHost, isSipUri, type Uri } from './message/uri.ts';
import type { Via } from './message/via.ts';
import type { Destination, Flow, TransportProtocol } from './transport/transport.ts';

/**
 * §18.2.1 + RFC 3581 §4: note the source address in `received` when it differs from sent-by, and fill an
 * empty `rport` with the source port. Rewrites only the first Via element of the first Via header field.
 */
export function stampVia(req: SipRequest, flow: Flow): void {
  const via = req.topVia;
  const host = bareHost(via.host);
  const wantReceived = host !== flow.remoteAddress;
  const wantRport = via.params.has('rport') && via.params.get('rport') === null;
  if (!wantReceived && !wantRport) return;
  if (wantReceived) via.params.set('received', flow.remoteAddress);
  if (wantRport) via.params.set('rport', String(flow.remotePort));
  const field = req.headers.fields.find((f) => f.key === 'via');
  if (!field) return;
  const parts = splitList(field.value);
  parts[0] = `${via.protocol}/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ''}${formatParams(via.params)}`;
  field.value = parts.join(', ');
}

/**
 * §18.2.2: reliable transports answer on the connection the request came on; otherwise the response goes to
 * `received` (or sent-by) and the `rport` value if present, else the sent-by port (default 5060).
 */
export function responseDestination(via: Via, flow: Flow): Destination {
  if (flow.transport.reliable) {
    return { address: flow.remoteAddress, port: flow.remotePort, connectionId: flow.connectionId };
  }
  const rport = via.params.get('rport');
  if (rport) return { address: flow.remoteAddress, port: Number(rport) };
  const received = via.params.get('received');
  const address = received ? bareHost(received) : bareHost(via.host);
  return { address, port: via.port ?? 5060 };
}

export interface NextHop {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** Next hop of a request: the first Route if it is a loose router, else the Request-URI (§8.1.2, §16.12). */
export function nextHop(req: SipRequest): NextHop {
  const routes = req.routes;
  const target: Uri = routes.length > 0 ? routes[0]!.uri : req.uri;
  return hopOfUri(target);
}

export function hopOfUri(target: Uri): NextHop {
  if (!isSipUri(target)) throw new Error(`cannot route to a ${target.scheme} URI`);
  const t = (target.params.get('transport') ?? '').toUpperCase();
  const secure = target.scheme === 'sips';
  const protocol: TransportProtocol =
    t === 'TCP'
      ? secure
        ? 'TLS'
        : 'TCP'
      : t === 'TLS'
        ? 'TLS'
        : t === 'WS'
          ? 'WS'
          : t === 'WSS'
            ? 'WSS'
            : secure
              ? 'TLS'
              : 'UDP';
  const maddr = target.params.get('maddr');
  const address = bareHost(maddr ?? target.host);
  const port = target.port ?? (protocol === 'TLS' || protocol === 'WSS' ? 5061 : 5060);
  return { protocol, address, port };
}
