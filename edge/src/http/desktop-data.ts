/**
 * Site-local data the agent desktop reads and writes: screen pop (customer record, IVR path, last
 * contacts), dispositions and the agent's call history. Everything here is PII that stays in the
 * edge database and in the agent's browser session; nothing is logged.
 */
import type { ConfigBundle } from '@hcc/proto';
import type { Db } from '@hcc/shared';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { CallRegistry, CallSession, LegRef } from '../call/index.ts';
import type { CustomerStore } from '../customers/index.ts';
import { cdrLegs, cdrSteps, cdrs } from '../db/call-schema.ts';
import { callDispositions } from '../db/desktop-schema.ts';

export interface ScreenPop {
  interactionId: string;
  callerNumber: string | null;
  customer: { name: string; account: string; notes: string } | null;
  /** Where the call went before the agent: flow and queue names, in order. */
  ivrPath: string[];
  lastContacts: Array<{ at: string; disposition: string; agentId: string; code: string | null }>;
}

export interface HistoryRow {
  interactionId: string;
  startedAt: string;
  callerNumber: string | null;
  customerName: string | null;
  queueId: string;
  talkMs: number;
  disposition: string;
  code: string | null;
  notes: string | null;
}

type Step = { kind: string; detail: Record<string, string | number> };

/** Human names of the steps that make the caller's path (flow entered, queue joined, transfer). */
export function pathOf(steps: readonly Step[], bundle: ConfigBundle | undefined): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (s.kind === 'ivr') {
      const f = bundle?.flows.find((x) => x.id === s.detail.flow);
      out.push(`IVR ${f?.name ?? String(s.detail.flow)}`);
    } else if (s.kind === 'queued') {
      const q = bundle?.queues.find((x) => x.id === s.detail.queue);
      out.push(`Queue ${q?.name ?? String(s.detail.queue)}`);
    } else if (s.kind === 'transferred') out.push(`Transferred (${String(s.detail.kind)})`);
  }
  return out;
}

export class DesktopData {
  constructor(
    private readonly o: {
      db: Db;
      customers: CustomerStore;
      calls: CallRegistry<CallSession, LegRef>;
      config: () => ConfigBundle | undefined;
    },
  ) {}

  /** Did this agent handle (or is it being offered) this interaction? */
  async involved(agentId: string, interactionId: string, live: boolean): Promise<boolean> {
    if (live) return true;
    const [r] = await this.o.db
      .select({ n: sql<number>`1` })
      .from(cdrLegs)
      .where(and(eq(cdrLegs.interactionId, interactionId), eq(cdrLegs.agentId, agentId)))
      .limit(1);
    if (r) return true;
    const [c] = await this.o.db
      .select({ n: sql<number>`1` })
      .from(cdrs)
      .where(and(eq(cdrs.interactionId, interactionId), eq(cdrs.agentId, agentId)))
      .limit(1);
    return c !== undefined;
  }

  async screenPop(interactionId: string): Promise<ScreenPop | undefined> {
    const live = this.o.calls.session(interactionId);
    let number: string | null;
    let steps: Step[];
    if (live) {
      number = live.setup.callerNumber ?? null;
      steps = live.cdr.steps;
    } else {
      const [c] = await this.o.db.select().from(cdrs).where(eq(cdrs.interactionId, interactionId));
      if (!c) return undefined;
      number = c.callerNumber;
      steps = await this.o.db
        .select({ kind: cdrSteps.kind, detail: cdrSteps.detail })
        .from(cdrSteps)
        .where(eq(cdrSteps.interactionId, interactionId))
        .orderBy(cdrSteps.at);
    }
    const customer = number ? await this.o.customers.find(number) : undefined;
    const last = number
      ? await this.o.db
          .select({
            at: cdrs.startedAt,
            disposition: cdrs.disposition,
            agentId: cdrs.agentId,
            code: callDispositions.code,
          })
          .from(cdrs)
          .leftJoin(callDispositions, eq(callDispositions.interactionId, cdrs.interactionId))
          .where(and(eq(cdrs.callerNumber, number), sql`${cdrs.interactionId} <> ${interactionId}`))
          .orderBy(desc(cdrs.startedAt))
          .limit(5)
      : [];
    return {
      interactionId,
      callerNumber: number,
      customer: customer ? { name: customer.name, account: customer.account, notes: customer.notes } : null,
      ivrPath: pathOf(steps, this.o.config()),
      lastContacts: last.map((r) => ({ ...r, at: r.at.toISOString() })),
    };
  }

  async saveDisposition(d: { interactionId: string; agentId: string; code: string; notes: string }) {
    await this.o.db
      .insert(callDispositions)
      .values(d)
      .onConflictDoUpdate({
        target: [callDispositions.interactionId, callDispositions.agentId],
        set: { code: d.code, notes: d.notes, createdAt: new Date() },
      });
  }

  /** The agent's calls, newest first, with what it recorded after each. */
  async history(agentId: string, limit = 50): Promise<HistoryRow[]> {
    const rows = await this.o.db
      .selectDistinctOn([cdrs.startedAt, cdrs.interactionId], {
        interactionId: cdrs.interactionId,
        startedAt: cdrs.startedAt,
        callerNumber: cdrs.callerNumber,
        queueId: cdrs.queueId,
        talkMs: cdrs.talkMs,
        disposition: cdrs.disposition,
        code: callDispositions.code,
        notes: callDispositions.notes,
      })
      .from(cdrs)
      .innerJoin(cdrLegs, and(eq(cdrLegs.interactionId, cdrs.interactionId), eq(cdrLegs.agentId, agentId)))
      .leftJoin(
        callDispositions,
        and(eq(callDispositions.interactionId, cdrs.interactionId), eq(callDispositions.agentId, agentId)),
      )
      .where(eq(cdrLegs.result, 'answered'))
      .orderBy(desc(cdrs.startedAt), cdrs.interactionId)
      .limit(limit);
    const names = new Map<string, string | null>();
    for (const r of rows)
      if (r.callerNumber && !names.has(r.callerNumber))
        names.set(r.callerNumber, (await this.o.customers.find(r.callerNumber))?.name ?? null);
    return rows.map((r) => ({
      ...r,
      startedAt: r.startedAt.toISOString(),
      customerName: r.callerNumber ? (names.get(r.callerNumber) ?? null) : null,
    }));
  }
}
