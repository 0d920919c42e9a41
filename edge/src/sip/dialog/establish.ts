// Dialog state from the request and response that establish it: RFC 3261 §12.1.1 (UAS) and §12.1.2 (UAC).
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Uri } from '../message/uri.ts';
import type { Flow } from '../transport/transport.ts';
import type { DialogId, DialogState } from './dialog.ts';

export interface DialogInit {
  id: DialogId;
  state: DialogState;
  localParty: string;
  remoteParty: string;
  remoteTarget: Uri;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | undefined;
  flow?: Flow;
}

/** §12.1.1: route set = Record-Route in order, remote target = Contact, remote CSeq = the request's. */
export function uasDialogInit(req: SipRequest, localTag: string, state: DialogState, flow: Flow): DialogInit {
  const contact = req.contacts[0];
  return {
    id: { callId: req.callId, localTag, remoteTag: req.fromTag ?? '' },
    state,
    localParty: `${req.headers.get('to')};tag=${localTag}`,
    remoteParty: req.headers.get('from') ?? '',
    remoteTarget: contact && !contact.wildcard ? contact.uri : req.from.uri,
    routeSet: req.headers.getAll('record-route').flatMap(splitRoutes),
    localSeq: 0,
    remoteSeq: req.cseq.seq,
    flow,
  };
}

/** §12.1.2: route set = Record-Route of the response reversed, remote target = its Contact. */
export function uacDialogInit(req: SipRequest, res: SipResponse, flow: Flow): DialogInit {
  const contact = res.contacts[0];
  return {
    id: { callId: req.callId, localTag: req.fromTag ?? '', remoteTag: res.toTag ?? '' },
    state: res.status < 200 ? 'early' : 'confirmed',
    localParty: req.headers.get('from') ?? '',
    remoteParty: res.headers.get('to') ?? '',
    remoteTarget: contact && !contact.wildcard ? contact.uri : req.uri,
    routeSet: res.headers.getAll('record-route').flatMap(splitRoutes).reverse(),
    localSeq: req.cseq.seq,
    remoteSeq: undefined,
    flow: flow.transport.reliable ? flow : undefined,
  };
}

/** One Record-Route header field may list several entries. */
export function splitRoutes(v: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '"' && v[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(v.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(v.slice(start).trim());
  return out.filter((s) => s.length > 0);
}
