import { create } from '@bufbuild/protobuf';
import { type AgentState, type QueueSnapshot, QueueSnapshotSchema } from '@hcc/proto';
import type { EventMeta } from './sink.ts';

/** What the ACD reports for one queue (AcdEvents['queueSnapshot']). */
export interface QueueSnapshotInput {
  queueId: string;
  configVersion: bigint;
  waiting: number;
  longestWaitMs: bigint;
  agents: { state: AgentState; count: number }[];
}

export interface SnapshotThrottleOptions {
  /** Send an unchanged snapshot again after this long (keeps the wallboard's sites fresh). */
  refreshMs?: number;
  now?: () => number;
}

/** Where throttled snapshots go (the live publisher: `./live.ts`). */
export interface SnapshotTarget {
  publish(value: QueueSnapshot, meta?: EventMeta): unknown;
}

/**
 * Passes the ACD's periodic queue snapshots on for the wallboard, only when a queue's figures
 * changed (waiting count, agents by state) or `refreshMs` passed, so an idle site stays quiet.
 * Returns the listener to hang on the ACD observer's `queueSnapshot`.
 */
export function queueSnapshotListener(
  target: SnapshotTarget,
  opts: SnapshotThrottleOptions = {},
): (s: QueueSnapshotInput) => void {
  const last = new Map<string, { key: string; at: number }>();
  const refresh = opts.refreshMs ?? 15_000;
  return (s) => {
    const now = opts.now?.() ?? Date.now();
    const key = `${s.waiting}|${s.agents.map((a) => `${a.state}:${a.count}`).join(',')}`;
    const prev = last.get(s.queueId);
    if (prev && prev.key === key && now - prev.at < refresh) return;
    last.set(s.queueId, { key, at: now });
    const value = create(QueueSnapshotSchema, {
      queueId: s.queueId,
      waiting: s.waiting,
      longestWaitMs: s.longestWaitMs,
      agents: s.agents,
    });
    target.publish(value, { occurredAt: new Date(now), configVersion: s.configVersion });
  };
}
