/**
 * How the edge reaches a trunk it calls out through, and what it asks of the trunk's calls in: the trunk's
 * transport (UDP, TCP or TLS; TLS on 5061 by default) for the Request-URI and the next hop, and its
 * TLS and SRTP policies. One place for peer.ts (calls out, blind transfers), consult.ts (consultations)
 * and contacts.ts (static contacts behind a trunk).
 *
 * A TLS trunk's Request-URI is `sip:...;transport=tls`, not `sips:`. RFC 5630 §3.1.3 prefers `sips:`
 * for TLS, but `sips:` asks for TLS on every hop to the callee, which a carrier handing the call to the
 * PSTN cannot give (RFC 5630 §3.1.2): `transport=tls` asks for TLS on the hop to the trunk, which is what
 * the trunk's setting says, and is what carriers accept.
 */
import { SipTransport, SrtpPolicy, type Trunk } from '@hcc/proto';
import { sdpProfile } from '../media/index.ts';
import type { Flow, SendOptions } from '../sip/index.ts';
import type { DialTarget } from './dialer.ts';

type NextHop = NonNullable<SendOptions['hop']>;

const PROTOCOL = {
  [SipTransport.UNSPECIFIED]: 'UDP',
  [SipTransport.UDP]: 'UDP',
  [SipTransport.TCP]: 'TCP',
  [SipTransport.TLS]: 'TLS',
} as const satisfies Record<SipTransport, NextHop['protocol']>;

type TrunkPeer = Pick<Trunk, 'host' | 'port' | 'transport'>;

/** The next hop to a trunk: its transport, host and port (0: 5061 for TLS, 5060 otherwise). */
export function trunkHop(trunk: TrunkPeer): NextHop {
  const protocol = PROTOCOL[trunk.transport] ?? 'UDP';
  return { protocol, address: trunk.host, port: trunk.port || (protocol === 'TLS' ? 5061 : 5060) };
}

/** The Request-URI for `user` at a trunk, with `;transport=` for TCP and TLS (RFC 3261 §19.1.1). */
export function trunkUri(user: string, trunk: TrunkPeer): string {
  const h = trunkHop(trunk);
  const host = h.address.includes(':') && !h.address.startsWith('[') ? `[${h.address}]` : h.address;
  const param = h.protocol === 'UDP' ? '' : `;transport=${h.protocol.toLowerCase()}`;
  return `sip:${user}@${host}:${h.port}${param}`;
}

/** A dial target for `user` through a trunk: uri, hop, label, and SRTP when the trunk requires it. */
export function trunkTarget(user: string, trunk: Trunk): DialTarget {
  return {
    uri: trunkUri(user, trunk),
    label: trunk.id,
    hop: trunkHop(trunk),
    ...(srtpMode(trunk) === 'required' ? { srtp: true } : {}),
  };
}

/**
 * Why a request from a trunk's address is refused by the trunk's TLS policy, or undefined when it may
 * pass: a TLS trunk takes requests over TLS only, and one that requires a client certificate only over
 * a connection whose certificate the edge's CA verified.
 */
export function trunkTlsRefusal(trunk: Trunk, flow: Flow): string | undefined {
  if (trunk.transport !== SipTransport.TLS) return undefined;
  if (flow.transport.protocol !== 'TLS') return 'TLS Required';
  if (trunk.requireClientCertificate && flow.peerVerified !== true) return 'Client Certificate Required';
  return undefined;
}

export type SrtpMode = 'off' | 'optional' | 'required';

/** The trunk's SRTP policy (UNSPECIFIED is OPTIONAL); 'optional' when there is no trunk (an agent's phone). */
export function srtpMode(trunk: Pick<Trunk, 'srtp'> | undefined): SrtpMode {
  switch (trunk?.srtp) {
    case SrtpPolicy.OFF:
      return 'off';
    case SrtpPolicy.REQUIRED:
      return 'required';
    default:
      return 'optional';
  }
}

/**
 * Why an offer from a trunk is refused by its SRTP policy (the 488 reason phrase, RFC 4568 §7.5), or
 * undefined: REQUIRED takes RTP/SAVP(F) only, OFF refuses it. Checked on the INVITE and on re-INVITEs.
 */
export function srtpRefusal(trunk: Pick<Trunk, 'srtp'> | undefined, sdp: string): string | undefined {
  const mode = srtpMode(trunk);
  const profile = sdpProfile(sdp);
  if (mode === 'required' && profile !== 'srtp') return 'SRTP Required';
  if (mode === 'off' && profile === 'srtp') return 'SRTP Not Accepted';
  return undefined;
}
