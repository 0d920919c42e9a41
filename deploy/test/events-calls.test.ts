/**
 * Issue 7 over REAL SIP calls: a SIPp caller per call -> edge call layer (IVR, queues, agent phones,
 * rtpengine) -> CDR + events in one journal transaction -> publisher -> leaf -> (recorded TCP link)
 * -> hub -> cloud ingest -> rollups -> Reports. Four calls with known outcomes give exact report
 * numbers, and no caller number (any spelling) or customer name appears on the leaf -> hub link
 * (decrypted by the tap); a tcpdump capture of the leaf's side shows the link was TLS throughout.
 */
import { createHash } from 'node:crypto';
import { Reports } from '@hcc/cloud';
import { freePort, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, callBundle, DID, queueOf } from '../../edge/test/call/fixtures.ts';
import { type Harness, startHarness } from '../../edge/test/call/harness.ts';
import { agentScenario, callerScenario, writeScenario } from '../../edge/test/call/scenarios.ts';
import { LinkTap } from './events/tap.ts';
import { EventsWorld, pseudonymizer, TENANT } from './events/world.ts';
import { LoopbackCapture } from './leaf-link/capture.ts';
import { clearTextNeedles, judgeLink } from './leaf-link/clear-text.ts';

const SL_S = 3;
/** The callers: E.164 number, how the trunk presents it, the customer's name in the edge directory. */
const CALLERS = {
  quick: { e164: '+15558670001', presented: '+15558670001', name: 'Bartholomew Fennimore' },
  late: { e164: '+15558670002', presented: '5558670002', name: 'Zoe Quixote-Marlowe' },
  abandon: { e164: '+15558670003', presented: '15558670003', name: 'Ingrid Vasquez-Okonkwo' },
  short: { e164: '+15558670004', presented: '+15558670004', name: '山田太郎' },
} as const;

describe('real SIP calls: exact reports in the cloud, no PII on the leaf link', () => {
  const tap = new LinkTap();
  let capture: LoopbackCapture | undefined;
  let tapPort = 0;
  const world = new EventsWorld(['hq'], inject('pgUrl'), {
    workers: 1,
    // tcpdump records the leaf's own TLS session (leaf -> tap); the tap decrypts it for the PII check.
    leafHubUrl: async (hub) => {
      const url = await tap.start(hub);
      tapPort = Number(new URL(url).port);
      capture = new LoopbackCapture(tapPort);
      await capture.start();
      return url;
    },
  });
  let h: Harness;
  let salesPort: number;
  let supportPort: number;

  beforeAll(async () => {
    await world.start();
    const hq = await world.startEdge('hq');
    salesPort = await freePort();
    supportPort = await freePort();
    const q = { serviceLevelSeconds: SL_S, wrapUpSeconds: 1, ringTimeoutSeconds: 10 };
    h = await startHarness({
      pgUrl: inject('pgUrl'),
      name: 'events-calls',
      events: { dbUrl: hq.dbUrl, journal: hq.pipeline.journal },
      bundle: () =>
        callBundle({
          queues: [queueOf('sales', q), queueOf('support', q)],
          agents: [
            agentOn('a-1001', '1001', { sales: 5 }, salesPort),
            agentOn('a-1002', '1002', { support: 5 }, supportPort),
          ],
        }),
    });
    for (const c of Object.values(CALLERS))
      await h.customers.upsert({ phone: c.e164, name: c.name, account: 'ACC-1', notes: '', attributes: {} });
  });
  afterAll(async () => {
    await h?.close();
    await world.stop();
    await tap.stop();
    capture?.dispose();
  });

  const call = async (c: (typeof CALLERS)[keyof typeof CALLERS], digit: string, holdOnMs: number) => {
    const xml = await writeScenario(
      h.dir,
      `caller-${c.e164.slice(1)}`,
      callerScenario({
        did: DID,
        number: c.presented,
        // Non-ASCII names stay out of the SIPp (ISO-8859-1) scenario; they are in the customers table.
        ...(/^[\x20-\x7e]+$/.test(c.name) ? { displayName: c.name } : {}),
        actions: [{ pause: 800 }, { info: digit }, { pause: holdOnMs }, { bye: true }],
      }),
    );
    const r = await h.sipp(xml, [], { timeoutS: 30 });
    expect(r.code, r.output).toBe(0);
  };

  it('four calls with known outcomes give exact report numbers; the link carries none of their PII', async () => {
    // 1. Nobody logged in: one caller gives up after ~6.5 s in sales, one after ~1.5 s in support.
    await Promise.all([call(CALLERS.abandon, '1', 6500), call(CALLERS.short, '2', 1500)]);

    // 2. Agents in: sales answers at once (within SL), support only after ~4.5 s of ringing (past SL).
    h.agents.login('a-1001');
    h.agents.login('a-1002');
    const sales = await writeScenario(h.dir, 'sales', agentScenario({ ringMs: 300 }));
    const support = await writeScenario(h.dir, 'support', agentScenario({ ringMs: 4500 }));
    const phones = [
      h.sippBg(sales, ['-p', String(salesPort)]),
      h.sippBg(support, ['-p', String(supportPort)]),
    ];
    await Promise.all([call(CALLERS.quick, '1', 3000), call(CALLERS.late, '2', 7500)]);
    for (const p of phones) {
      const r = await p.done;
      expect(r.code, r.output).toBe(0);
    }
    await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length).toBe(4);

    // Everything journaled (wrap-up -> ready included) reaches the cloud and is confirmed.
    await new Promise((r) => setTimeout(r, 1500));
    await h.bridge.flush();
    const edge = world.edges.hq!;
    await waitFor(
      'cloud watermark covers the outbox',
      async () => {
        const wm = await world.cloudScalar(
          sql`select seq from analytics.site_watermarks where site_id = 'hq'`,
        );
        return edge.pipeline.publisher.lastSeq > 0 && wm === edge.pipeline.publisher.lastSeq;
      },
      20_000,
    );

    // Reports, as the analyst sees them (hcc_app with the tenant, RLS).
    const day = new Date().toISOString().slice(0, 10);
    const reports = new Reports(world.cloudDb.db);
    const byQueue = Object.fromEntries(
      (await reports.breakdown(TENANT, { from: day, to: day, tz: 'UTC' })).map((r) => [r.queueId, r]),
    );
    expect(Object.keys(byQueue).sort()).toEqual(['sales', 'support']);
    expect(byQueue.sales).toMatchObject({
      offered: 2,
      answered: 1,
      abandoned: 1,
      shortAbandoned: 0,
      answeredInSl: 1,
      holdMs: 0,
      wrapMs: 1000,
    });
    expect(byQueue.support).toMatchObject({
      offered: 2,
      answered: 1,
      abandoned: 1,
      shortAbandoned: 1,
      answeredInSl: 0,
      holdMs: 0,
      wrapMs: 1000,
    });
    const [total] = await reports.series(TENANT, { from: day, to: day, tz: 'UTC' }, 'day');
    expect(total).toMatchObject({
      offered: 4,
      answered: 2,
      abandoned: 2,
      shortAbandoned: 1,
      answeredInSl: 1,
    });
    // SL = 1 of (4 offered - 1 short abandon); abandon rate = 1 of 3 (short ones excluded).
    expect(total!.serviceLevel).toBeCloseTo(33.3, 0);
    expect(total!.abandonRate).toBeCloseTo(33.3, 0);
    // ASA: ~0.3 s (sales) and ~4.5 s (support); AHT: ~2.7 s talk + 1 s wrap each.
    expect(byQueue.sales!.asaMs).toBeLessThan(SL_S * 1000);
    expect(byQueue.support!.asaMs).toBeGreaterThan(SL_S * 1000);
    expect(byQueue.support!.asaMs).toBeLessThan(7000);
    expect(total!.asaMs).toBeGreaterThan(2000);
    expect(total!.asaMs).toBeLessThan(4000);
    expect(total!.ahtMs).toBeGreaterThan(2500);
    expect(total!.ahtMs).toBeLessThan(6000);
    const agents = (await reports.agents(TENANT, { from: day, to: day, tz: 'UTC' })).filter((a) => a.handled);
    expect(agents.map((a) => [a.agentId, a.handled])).toEqual([
      ['a-1001', 1],
      ['a-1002', 1],
    ]);

    // The capture saw event payloads (a pseudonym crossed), and no PII in any spelling.
    const wire = tap.bytes();
    expect(wire.includes(Buffer.from(pseudonymizer.pseudonymize(CALLERS.quick.e164).callerPseudonym))).toBe(
      true,
    );
    const needles: [string, Buffer][] = [];
    for (const c of Object.values(CALLERS)) {
      const digits = c.e164.slice(1);
      for (const s of [c.e164, digits, digits.slice(1), c.presented])
        needles.push([s, Buffer.from(s)], [`utf16 ${s}`, Buffer.from(s, 'utf16le')]);
      const sha = createHash('sha256').update(c.e164).digest();
      needles.push([`sha256 ${c.e164}`, sha], [`sha256-hex ${c.e164}`, Buffer.from(sha.toString('hex'))]);
      needles.push([c.name, Buffer.from(c.name)], [`utf16 ${c.name}`, Buffer.from(c.name, 'utf16le')]);
      for (const part of c.name.split(/[\s-]/)) if (part.length >= 4) needles.push([part, Buffer.from(part)]);
    }
    const found = needles.filter(([, b]) => wire.includes(b)).map(([label]) => label);
    expect(found).toEqual([]);

    // On the wire itself the leaf spoke TLS during the calls: after the hub's INFO, TLS records
    // only, and none of the protocol, subjects or caller data in clear.
    const flows = await capture!.stop();
    expect(flows.reduce((n, f) => n + f.bytes.length, 0)).toBeGreaterThan(wire.length / 2);
    const verdict = judgeLink(
      flows,
      tapPort,
      clearTextNeedles(['hcc.', ...Object.values(CALLERS).flatMap((c) => [c.e164.slice(1), c.name])]),
    );
    expect(verdict.found).toEqual([]);
    expect(verdict.notTls).toEqual([]);
  });
});
