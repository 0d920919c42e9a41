/**
 * The registrar's BindingStore on PostgreSQL (sip_bindings), so agents' phones stay registered
 * across a restart of the edge: reads come from memory, every change is written through (serially,
 * before the REGISTER is answered), and `load()` brings back the live bindings at start. Bindings
 * tied to a stream connection (a browser's WebSocket) die with the process and are not kept.
 */
import type { Db, Logger } from '@hcc/shared';
import { eq, lte } from 'drizzle-orm';
import { sipBindings } from '../db/call-schema.ts';
import { type Binding, type BindingStore, MemoryBindingStore } from '../sip/index.ts';

export class DbBindingStore implements BindingStore {
  private readonly mem = new MemoryBindingStore();
  private writes: Promise<unknown> = Promise.resolve();

  /** Changes PostgreSQL did not take (the phone stays registered in memory until a restart). */
  writeErrors = 0;

  constructor(
    private readonly db: Db,
    /** The registrar's clock (expiry times are on its time base). */
    private readonly clock: { now(): number },
    private readonly log?: Logger,
  ) {}

  get(aor: string): Promise<Binding[]> {
    return this.mem.get(aor);
  }

  async put(aor: string, bindings: Binding[]): Promise<void> {
    await this.mem.put(aor, bindings);
    const kept = bindings.filter((b) => !b.source.connectionId);
    const write = this.writes.then(() =>
      this.db.transaction(async (tx) => {
        await tx.delete(sipBindings).where(eq(sipBindings.aor, aor));
        if (kept.length > 0)
          await tx.insert(sipBindings).values(
            kept.map((b) => ({
              aor,
              contact: b.contact,
              expiresAt: b.expiresAt,
              binding: { ...b } as Record<string, unknown>,
            })),
          );
      }),
    );
    this.writes = write.catch(() => undefined);
    try {
      await write;
    } catch (err) {
      // A database hiccup must not refuse the REGISTER: the binding lives on in memory.
      this.writeErrors++;
      this.log?.error({ err: (err as Error).name }, 'registration not persisted');
    }
  }

  /** Deletes expired rows and loads the live ones; returns their addresses of record. */
  async load(): Promise<string[]> {
    const now = this.clock.now();
    await this.db.delete(sipBindings).where(lte(sipBindings.expiresAt, now));
    const rows = await this.db.select().from(sipBindings);
    const byAor = new Map<string, Binding[]>();
    for (const r of rows) {
      const b = toBinding(r.binding);
      if (!b) continue;
      const list = byAor.get(r.aor) ?? [];
      list.push(b);
      byAor.set(r.aor, list);
    }
    for (const [aor, list] of byAor) await this.mem.put(aor, list);
    return [...byAor.keys()];
  }
}

/** A stored binding, or undefined for a row that is not one (never trusted blindly). */
function toBinding(v: Record<string, unknown>): Binding | undefined {
  const s = v['source'] as Binding['source'] | undefined;
  if (
    typeof v['contact'] !== 'string' ||
    typeof v['expiresAt'] !== 'number' ||
    typeof v['callId'] !== 'string' ||
    typeof v['cseq'] !== 'number' ||
    typeof v['q'] !== 'number' ||
    !s ||
    typeof s.protocol !== 'string' ||
    typeof s.address !== 'string' ||
    typeof s.port !== 'number'
  )
    return undefined;
  const b: Binding = {
    contact: v['contact'],
    expiresAt: v['expiresAt'],
    callId: v['callId'],
    cseq: v['cseq'],
    q: v['q'],
    source: { protocol: s.protocol, address: s.address, port: s.port },
  };
  for (const k of ['instanceId', 'regId', 'userAgent'] as const)
    if (typeof v[k] === 'string') b[k] = v[k] as string;
  return b;
}
