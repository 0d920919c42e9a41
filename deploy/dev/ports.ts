import { envReader } from '@hcc/shared';

/** One edge site of the dev stack: its ports, each overridable by environment. */
export interface EdgeSitePorts {
  site: string;
  http: number;
  sip: number;
  /** SIP over WebSocket for the agent desktop (the edge's default: SIP port + 3). */
  sipWs: number;
  /** SIP over TLS for trunks and phones (EDGE_SIP_TLS_PORT; a certificate from the dev CA). */
  sipTls: number;
  nats: number;
  ng: number;
  dtmf: number;
  mediaMin: number;
  mediaMax: number;
  /** Where the edge's SIP (UDP+TCP) and its rtpengine's media listen (default 127.0.0.1). */
  sipHost: string;
  rtpHost: string;
  /** EDGE_PUBLIC_ADDRESS of the edge: in Contact/Via and rtpengine's SDP (a NAT's public side). */
  publicAddress: string | undefined;
}

export interface StackPorts {
  cloudHttp: number;
  hubNats: number;
  hubLeaf: number;
  edges: EdgeSitePorts[];
}

/**
 * Defaults are the ports of the architecture doc; `HQ_HTTP_PORT=9081` and the like override them.
 * `HQ_SIP_HOST`, `HQ_RTP_HOST` and `HQ_PUBLIC_ADDRESS` (likewise BRANCH_) put a site's SIP and media
 * on another address, as at a real site; HTTP stays on loopback (a desktop elsewhere needs HTTPS).
 */
export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const e = envReader(env);
  const edge = (
    site: string,
    prefix: string,
    d: Omit<EdgeSitePorts, 'site' | 'sipHost' | 'rtpHost' | 'publicAddress'>,
  ): EdgeSitePorts => ({
    site,
    sipHost: e.str(`${prefix}_SIP_HOST`, '127.0.0.1'),
    rtpHost: e.str(`${prefix}_RTP_HOST`, e.str(`${prefix}_SIP_HOST`, '127.0.0.1')),
    publicAddress: e.optional(`${prefix}_PUBLIC_ADDRESS`),
    http: e.port(`${prefix}_HTTP_PORT`, d.http),
    sip: e.port(`${prefix}_SIP_PORT`, d.sip),
    sipWs: e.port(`${prefix}_SIP_WS_PORT`, d.sipWs),
    sipTls: e.port(`${prefix}_SIP_TLS_PORT`, d.sipTls),
    nats: e.port(`${prefix}_NATS_PORT`, d.nats),
    ng: e.port(`${prefix}_RTPENGINE_NG_PORT`, d.ng),
    dtmf: e.port(`${prefix}_DTMF_PORT`, d.dtmf),
    mediaMin: e.port(`${prefix}_MEDIA_PORT_MIN`, d.mediaMin),
    mediaMax: e.port(`${prefix}_MEDIA_PORT_MAX`, d.mediaMax),
  });
  return {
    cloudHttp: e.port('CLOUD_HTTP_PORT', 8080),
    hubNats: e.port('HUB_NATS_PORT', 14222),
    hubLeaf: e.port('HUB_LEAF_PORT', 17422),
    edges: [
      edge('hq', 'HQ', {
        http: 8081,
        sip: 5060,
        sipTls: 5061,
        sipWs: 5063,
        nats: 14223,
        ng: 22222,
        dtmf: 22232,
        mediaMin: 30000,
        mediaMax: 34999,
      }),
      edge('branch', 'BRANCH', {
        http: 8082,
        sip: 5062,
        sipTls: 5064,
        sipWs: 5065,
        nats: 14224,
        ng: 22223,
        dtmf: 22233,
        mediaMin: 35000,
        mediaMax: 39999,
      }),
    ],
  };
}
