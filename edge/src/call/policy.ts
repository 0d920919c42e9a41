/** Per-call decisions taken from the bundle the call started with (pure functions). */
import type { ConfigBundle } from '@hcc/proto';
import type { Step } from './types.ts';

/** Queues a call can reach from its first step (DID queue, or the Enqueue nodes of its flow). */
export function reachableQueues(bundle: ConfigBundle, first: Step): Set<string> {
  const out = new Set<string>();
  if (first.kind === 'queue') out.add(first.queueId);
  if (first.kind === 'flow') {
    const flow = bundle.flows.find((f) => f.id === first.flowId);
    for (const n of flow?.nodes ?? []) {
      if (n.kind.case === 'enqueue') out.add(n.kind.value.queueId);
      if (n.kind.case === 'transfer' && n.kind.value.target.case === 'queueId')
        out.add(n.kind.value.target.value);
    }
  }
  for (const q of bundle.queues)
    if (q.overflow?.target.case === 'queueId' && out.has(q.id)) out.add(q.overflow.target.value);
  return out;
}

/**
 * `record call: yes` goes on the first offer, so the decision is taken on arrival: recording is on
 * and either every queue is recorded or the call can reach a recorded queue.
 */
export function shouldRecord(bundle: ConfigBundle, first: Step): boolean {
  const r = bundle.recording;
  if (!r?.enabled) return false;
  if (r.queueIds.length === 0) return true;
  const reach = reachableQueues(bundle, first);
  return r.queueIds.some((q) => reach.has(q));
}
