/**
 * REFER targets (RFC 3515): what the user part of a Refer-To names in the call's bundle, and an
 * attended transfer's Replaces (RFC 3891). Pure functions; the session acts on the result.
 */
import { type ConfigBundle, QueueEntry } from '@hcc/proto';
import { parseNameAddr, percentDecode } from '../sip/index.ts';
import { outboundTrunks } from './trunks/index.ts';
import type { Step } from './types.ts';

export type ReferTarget =
  | { kind: 'step'; step: Extract<Step, { kind: 'agent' | 'queue' | 'external' }> }
  | { kind: 'replaces'; callId: string; toTag: string; fromTag: string };

const E164ISH = /^\+?\d{6,15}$/;

/** Resolves a Refer-To header value; undefined when it names nothing the edge can reach. */
export function parseReferTo(value: string, bundle: ConfigBundle): ReferTarget | undefined {
  let na: ReturnType<typeof parseNameAddr>;
  try {
    na = parseNameAddr(value, 'Refer-To');
  } catch {
    return undefined;
  }
  const uri = na.uri;
  if (!('user' in uri)) return undefined;
  const replaces = uriHeader(value, 'replaces');
  if (replaces) {
    const [callId, ...params] = percentDecode(replaces).split(';');
    const p = new Map(params.map((x) => x.split('=') as [string, string]));
    const toTag = p.get('to-tag');
    const fromTag = p.get('from-tag');
    if (callId && toTag && fromTag) return { kind: 'replaces', callId, toTag, fromTag };
    return undefined;
  }
  const user = percentDecode(uri.user ?? '');
  const agent = bundle.agents.find((a) => a.extension === user || a.id === user);
  if (agent) return { kind: 'step', step: { kind: 'agent', agentId: agent.id } };
  const qid = user.startsWith('queue-') ? user.slice(6) : user;
  const queue = bundle.queues.find((q) => q.id === qid);
  if (queue) return { kind: 'step', step: { kind: 'queue', queueId: queue.id, entry: QueueEntry.TRANSFER } };
  if (E164ISH.test(user)) {
    // The first outbound trunk by priority; the call out fails over from it (peer.ts runExternal).
    const trunk = outboundTrunks(bundle)[0];
    if (!trunk) return undefined;
    const number = user.startsWith('+') ? user : `+${user}`;
    return { kind: 'step', step: { kind: 'external', number, trunkId: trunk.id } };
  }
  return undefined;
}

/** A header embedded in a SIP URI (`<sip:b@h?Replaces=...>`), case-insensitive. */
function uriHeader(value: string, name: string): string | undefined {
  const q = value.indexOf('?');
  if (q < 0) return undefined;
  const end = value.indexOf('>', q);
  const hdrs = value.slice(q + 1, end < 0 ? undefined : end);
  for (const pair of hdrs.split('&')) {
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).toLowerCase() === name) return pair.slice(i + 1);
  }
  return undefined;
}
