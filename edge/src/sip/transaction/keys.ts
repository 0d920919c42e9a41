// Transaction matching keys: RFC 3261 §17.1.3 (client) and §17.2.3 (server, with the RFC 2543 fallback).
import type { SipRequest, SipResponse } from '../message/message.ts';
import { isRfc3261Branch, viaBranch } from '../message/via.ts';

const SEP = '\u0000';

/**
 * Server transaction key. With an RFC 3261 branch: branch + sent-by + method (ACK and CANCEL's target map to
 * INVITE). Without one (RFC 2543 peers): Request-URI, From tag, Call-ID, CSeq number and the top Via. The To tag
 * is left out so that the ACK for a non-2xx response (which carries our tag) finds the INVITE.
 */
export function serverKey(req: SipRequest, methodOverride?: string): string {
  const via = req.topVia;
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const branch = viaBranch(via);
  if (isRfc3261Branch(branch)) {
    return `${branch}${SEP}${via.host.toLowerCase()}:${via.port ?? ''}${SEP}${method}`;
  }
  const rawVia = `${via.transport} ${via.host}:${via.port ?? ''};${branch ?? ''}`;
  return `2543${SEP}${req.uriString}${SEP}${req.fromTag ?? ''}${SEP}${req.callId}${SEP}${req.cseq.seq}${SEP}${rawVia}${SEP}${method}`;
}

/** Client transaction key: our branch + CSeq method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return `${branch}${SEP}${method}`;
}

export function clientKeyOfResponse(res: SipResponse): string | undefined {
  const branch = viaBranch(res.topVia);
  if (!branch) return undefined;
  return clientKey(branch, res.cseq.method);
}
