/**
 * One OPTIONS ping to a trunk through the running SIP stack (RFC 3261 11), out of any dialog, over
 * the trunk's transport to its host and port. Any final response shows a live SIP peer - 200, but
 * also 401/407 (it challenges), 403, 404 or 405 (it does not do OPTIONS) - except 408 and 5xx/6xx,
 * which say the peer cannot take requests now (RFC 3261 21.5, 21.6; 503 is also the stack's own
 * answer to a transport error). No final response within the timeout is a failure.
 */
import type { Trunk } from '@hcc/proto';
import type { Clock } from '@hcc/shared';
import { Headers, newCallId, newTag, SipRequest, type SipStack } from '../../sip/index.ts';
import { trunkHop } from '../trunk-route.ts';
import type { Pinger, PingOutcome } from './health.ts';

/** The next hop of a trunk: its transport (UDP unless set), host and port (default 5060, 5061 for TLS). */
export const trunkPingHop = (t: Trunk) => trunkHop(t);

/** Whether a final response to OPTIONS counts as the trunk answering. */
export function pingAnswered(status: number): boolean {
  return status >= 200 && status !== 408 && status < 500;
}

export function optionsPinger(stack: SipStack, fromHost: string, clock: Clock): Pinger {
  return (trunk, timeoutMs) => {
    const hop = trunkPingHop(trunk);
    const host = hop.address.includes(':') ? `[${hop.address}]` : hop.address;
    const uri = `sip:${host}:${hop.port}`;
    const h = new Headers();
    h.append('From', `<sip:ping@${fromHost}>;tag=${newTag()}`);
    h.append('To', `<${uri}>`);
    h.append('Call-ID', newCallId());
    h.append('CSeq', '1 OPTIONS');
    h.append('Accept', 'application/sdp');
    const sent = clock.now();
    let out: ReturnType<SipStack['send']>;
    try {
      out = stack.send(new SipRequest('OPTIONS', uri, h), { hop });
    } catch {
      return Promise.resolve({ ok: false, reason: 'send-failed' });
    }
    return new Promise<PingOutcome>((resolve) => {
      const timer = clock.setTimeout(() => resolve({ ok: false, reason: 'timeout' }), timeoutMs);
      void out.final.then((r) => {
        clock.clearTimeout(timer);
        if (pingAnswered(r.status))
          resolve({ ok: true, rttMs: Math.max(0, clock.now() - sent), status: r.status });
        else if (r.status === 408) resolve({ ok: false, reason: 'timeout', status: r.status });
        else resolve({ ok: false, reason: 'error-response', status: r.status });
      });
    });
  };
}
