/**
 * The site's retention policy: recordings (files and index rows) and detailed CDRs (with their legs
 * and history) older than the configured days are deleted. 0 days means keep.
 */
import { rm } from 'node:fs/promises';
import type { RetentionPolicy } from '@hcc/proto';
import type { Clock, Db, Logger } from '@hcc/shared';
import { lt } from 'drizzle-orm';
import { cdrs, recordings } from '../db/call-schema.ts';

const DAY = 86_400_000;

export interface RetentionResult {
  recordings: number;
  cdrs: number;
}

export async function runRetention(
  db: Db,
  policy: Pick<RetentionPolicy, 'recordingDays' | 'cdrDetailDays'> | undefined,
  clock: Clock,
): Promise<RetentionResult> {
  const out: RetentionResult = { recordings: 0, cdrs: 0 };
  if (!policy) return out;
  const now = clock.now();
  if (policy.recordingDays > 0) {
    const before = new Date(now - policy.recordingDays * DAY);
    const gone = await db
      .delete(recordings)
      .where(lt(recordings.createdAt, before))
      .returning({ path: recordings.path });
    for (const g of gone) await rm(g.path, { force: true });
    out.recordings = gone.length;
  }
  if (policy.cdrDetailDays > 0) {
    const before = new Date(now - policy.cdrDetailDays * DAY);
    const gone = await db.delete(cdrs).where(lt(cdrs.endedAt, before)).returning({ id: cdrs.interactionId });
    out.cdrs = gone.length;
  }
  return out;
}

/** Runs the retention job now and then every `everyMs` (default 6 h) with the policy in force. */
export function scheduleRetention(o: {
  db: Db;
  policy: () => RetentionPolicy | undefined;
  clock: Clock;
  log: Logger;
  everyMs?: number;
}): () => void {
  let stopped = false;
  let timer: unknown;
  const tick = async () => {
    try {
      const r = await runRetention(o.db, o.policy(), o.clock);
      if (r.recordings || r.cdrs) o.log.info({ ...r }, 'retention deleted old data');
    } catch (err) {
      o.log.error({ err: (err as Error).name }, 'retention failed');
    }
    if (!stopped) timer = o.clock.setTimeout(() => void tick(), o.everyMs ?? 6 * 3600_000);
  };
  void tick();
  return () => {
    stopped = true;
    o.clock.clearTimeout(timer);
  };
}
