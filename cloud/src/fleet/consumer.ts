import {
  ConfigRejectReason,
  decodeEvent,
  type Event,
  type SipProtection,
  type TrunkHealth,
  TrunkState,
} from '@hcc/proto';
import { type Db, type Logger, names } from '@hcc/shared';
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { type SipProtectionStatus, siteStatus, sites, type TrunkHealthStatus } from '../db/schema.ts';
import { asSystem, type Tx } from '../db/tenant.ts';
import { streamSource } from '../nats/stream-source.ts';

/**
 * Event kinds the fleet view follows (subject token `hcc.evt.<site>.<kind>`): the edge never puts
 * them in a batch, so a consumer per subject sees every one.
 */
const KINDS = names.FLEET_EVENT_CASES;

const tsOf = (e: Event) =>
  new Date(e.occurredAt ? Number(e.occurredAt.seconds) * 1000 + e.occurredAt.nanos / 1e6 : Date.now());

const INT8_MAX = 2n ** 63n - 1n;
/** `site_status.outbox_backlog` is an integer: a larger backlog is stored as this (saturated). */
const INT4_MAX = 2 ** 31 - 1;

/**
 * Whether PostgreSQL can store what this event carries: a real timestamp, integers within bigint,
 * no NUL in text. An event that fails this is dropped (and acked) rather than failing its whole
 * batch on every redelivery.
 */
export function storable(e: Event): boolean {
  if (Number.isNaN(tsOf(e).getTime())) return false;
  let ok = true;
  JSON.stringify(e, (_k, v: unknown) => {
    if (typeof v === 'bigint' && (v > INT8_MAX || v < -INT8_MAX)) ok = false;
    if (typeof v === 'string' && v.includes('\0')) ok = false;
    return typeof v === 'bigint' ? v.toString() : v;
  });
  return ok;
}

/**
 * Keeps `site_status` current from the hub's aggregate events stream: applied and rejected config
 * versions and heartbeats. A message is attributed to a site only by the `Nats-Stream-Source`
 * header the hub sets; a subject or envelope naming another site is dropped (and acked, so it
 * cannot block the consumer). Each message is acked after its row is committed.
 */
export class FleetConsumer {
  private stopped = false;
  private readonly stops: (() => void)[] = [];
  readonly stats = { applied: 0, rejected: 0, heartbeats: 0, trunkChanges: 0, dropped: 0, retried: 0 };

  constructor(
    private readonly db: Db,
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  /**
   * Starts one durable consumer per kind. The aggregate stream exists only once a site is enrolled,
   * so each loop keeps trying to create its consumer until it can.
   */
  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const js = jetstream(this.nc);
    for (const kind of KINDS) {
      const durable = `fleet_${names.eventKind(kind)}`;
      void (async () => {
        let warned = false;
        while (!this.stopped) {
          try {
            await jsm.consumers.add(names.HUB_EVENTS_STREAM, {
              durable_name: durable,
              filter_subject: `hcc.evt.*.${names.eventKind(kind)}`,
              ack_policy: AckPolicy.Explicit,
              deliver_policy: DeliverPolicy.All,
              max_ack_pending: 1000,
            });
            const consumer = await js.consumers.get(names.HUB_EVENTS_STREAM, durable);
            const messages = await consumer.consume({ max_messages: 200 });
            this.stops.push(() => void messages.stop());
            // Messages that arrive while a batch commits form the next batch: one transaction per
            // batch, no added wait.
            const batcher = new Batcher<JsMsg>((batch) => this.handleBatch(batch));
            for await (const m of messages) batcher.push(m);
          } catch (err) {
            if (!this.stopped && !warned)
              this.log.info({ err: String(err), durable }, 'fleet consumer waiting');
            warned = true;
          }
          if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
        }
      })();
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.stops) s();
  }

  private async handleBatch(batch: JsMsg[]): Promise<void> {
    const good: { m: JsMsg; site: string; event: Event }[] = [];
    for (const m of batch) {
      const site = names.siteOfStreamSource(streamSource(m));
      let event: Event | undefined;
      try {
        event = decodeEvent(m.data);
      } catch {
        event = undefined;
      }
      if (
        !site ||
        !event ||
        names.siteOfEventSubject(m.subject) !== site ||
        event.siteId !== site ||
        !storable(event)
      ) {
        this.stats.dropped++;
        this.log.warn(
          { source: site ?? null, subject_site: names.siteOfEventSubject(m.subject) ?? null },
          'event dropped: attribution mismatch, malformed or unstorable',
        );
        m.ack();
      } else good.push({ m, site, event });
    }
    if (good.length === 0) return;
    // The three per-kind consumers commit concurrently and each touches the `site_status` rows of
    // many sites: rows locked in arrival order deadlocked two batches now and then (PostgreSQL
    // breaks a deadlock after deadlock_timeout, 1 s, and the nak below added 2 s more: the
    // multi-second stragglers of the publish benchmark). Every batch locks its rows in site order.
    good.sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    try {
      await asSystem(this.db, async (tx) => {
        for (const g of good) await this.apply(tx, g.site, g.event);
      });
      for (const g of good) g.m.ack();
    } catch (err) {
      this.stats.retried += good.length;
      this.log.warn(
        { events: good.length, err: String(err) },
        'fleet status update failed; will be redelivered',
      );
      for (const g of good) g.m.nak(500);
    }
  }

  private async apply(tx: Tx, site: string, e: Event): Promise<void> {
    const at = tsOf(e);
    const [s] = await tx.select({ tenantId: sites.tenantId }).from(sites).where(eq(sites.id, site));
    // The site (from the hub's attribution) determines the tenant; an envelope naming another
    // tenant is dropped. An edge without config yet sends an empty tenant.
    if (!s || (e.tenantId !== '' && s.tenantId !== e.tenantId)) {
      this.stats.dropped++;
      return;
    }
    await tx.insert(siteStatus).values({ siteId: site, tenantId: s.tenantId }).onConflictDoNothing();
    const b = e.body;
    if (b.case === 'configApplied') {
      this.stats.applied++;
      await tx
        .update(siteStatus)
        .set({
          appliedVersion: sql`greatest(coalesce(${siteStatus.appliedVersion}, 0), ${b.value.version})`,
          appliedAt: at,
        })
        .where(eq(siteStatus.siteId, site));
    } else if (b.case === 'configRejected') {
      this.stats.rejected++;
      await tx
        .update(siteStatus)
        .set({
          rejectedVersion: b.value.version,
          rejectReason: ConfigRejectReason[b.value.reason] ?? 'UNSPECIFIED',
          rejectDetail: b.value.detail.slice(0, 200),
          rejectedAt: at,
        })
        .where(eq(siteStatus.siteId, site));
    } else if (b.case === 'edgeHeartbeat') {
      this.stats.heartbeats++;
      const h = b.value;
      const backlog = h.outboxBacklog > BigInt(INT4_MAX) ? INT4_MAX : Number(h.outboxBacklog);
      // A heartbeat is a snapshot: only one at least as new as the stored one replaces it (a late
      // one, e.g. redelivered after a cut, would show calls and a backlog the edge has moved past).
      await tx
        .update(siteStatus)
        .set({
          lastHeartbeatAt: at,
          outboxBacklog: backlog,
          activeCalls: h.activeCalls,
          rtpengineHealthy: h.rtpengineHealthy,
          natsConnected: h.natsConnected,
          edgeVersion: h.version,
          sipProtection: h.sipProtection ? sipProtectionStatus(h.sipProtection) : null,
          trunkHealth: h.trunkHealth.map(trunkHealthStatus),
        })
        .where(
          and(
            eq(siteStatus.siteId, site),
            or(isNull(siteStatus.lastHeartbeatAt), lte(siteStatus.lastHeartbeatAt, at)),
          ),
        );
      // The version it ran only ever moves up, whatever the order.
      if (e.configVersion > 0n)
        await tx
          .update(siteStatus)
          .set({
            appliedVersion: sql`greatest(coalesce(${siteStatus.appliedVersion}, 0), ${e.configVersion})`,
          })
          .where(eq(siteStatus.siteId, site));
    } else if (b.case === 'trunkStatusChanged') {
      this.stats.trunkChanges++;
      // A trunk's change shows at once (the next heartbeat confirms it); an older change than the
      // one shown (a late redelivery) changes nothing.
      const [row] = await tx
        .select({ trunks: siteStatus.trunkHealth })
        .from(siteStatus)
        .where(eq(siteStatus.siteId, site));
      const trunks = row?.trunks ?? [];
      const i = trunks.findIndex((t) => t.trunkId === b.value.trunkId);
      const shown = trunks[i];
      if (shown?.lastChange && new Date(shown.lastChange) > at) return;
      const entry: TrunkHealthStatus = {
        trunkId: b.value.trunkId.slice(0, 64),
        state: trunkStateName(b.value.state),
        rttMs: shown?.rttMs ?? null,
        lastChange: at.toISOString(),
        failures: shown?.failures ?? 0,
      };
      const next = i >= 0 ? trunks.map((t, j) => (j === i ? entry : t)) : [...trunks, entry];
      await tx.update(siteStatus).set({ trunkHealth: next }).where(eq(siteStatus.siteId, site));
    }
  }
}

/** up | down | unknown | unmonitored: the stored and shown name of a TrunkState. */
function trunkStateName(s: TrunkState): string {
  if (s === TrunkState.UP) return 'up';
  if (s === TrunkState.DOWN) return 'down';
  if (s === TrunkState.UNMONITORED) return 'unmonitored';
  return 'unknown';
}

/** One heartbeat trunk entry as stored (a uint64 beyond 2^53 saturates). */
function trunkHealthStatus(t: TrunkHealth): TrunkHealthStatus {
  const failures =
    t.failures > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(t.failures);
  return {
    trunkId: t.trunkId.slice(0, 64),
    state: trunkStateName(t.state),
    rttMs: t.state === TrunkState.UP || t.rttMs > 0 ? t.rttMs : null,
    lastChange: t.lastChange
      ? new Date(Number(t.lastChange.seconds) * 1000 + t.lastChange.nanos / 1e6).toISOString()
      : null,
    failures,
  };
}

/** The heartbeat's SIP protection counters as stored (a uint64 beyond 2^53 saturates). */
function sipProtectionStatus(p: SipProtection): SipProtectionStatus {
  const n = (v: bigint) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  return {
    bannedAddresses: p.bannedAddresses,
    dropped: n(p.dropped),
    rateLimited: n(p.rateLimited),
    overloaded: n(p.overloaded),
    authFailures: n(p.authFailures),
    registrationsCapped: n(p.registrationsCapped),
    dialRefused: n(p.dialRefused),
  };
}

/** Collects messages and hands them to `run` in batches, one batch at a time. */
class Batcher<T> {
  private buffer: T[] = [];
  private running = false;

  constructor(private readonly run: (batch: T[]) => Promise<void>) {}

  push(x: T): void {
    this.buffer.push(x);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    // Let the messages already received join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      await this.run(batch);
    }
    this.running = false;
  }
}
