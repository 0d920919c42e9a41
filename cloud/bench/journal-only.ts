/**
 * Edge journal write throughput alone (no publisher): events/s into the PostgreSQL outbox.
 *
 *   npx tsx cloud/bench/journal-only.ts [events per transaction] [concurrent writers]
 */
import {
  CallerPseudonymizer,
  callEvents,
  EDGE_MIGRATIONS,
  OutboxJournal,
  scriptedDayForBench,
} from '@hcc/edge';
import { openDatabase } from '@hcc/shared';
import { createTestDatabase, startTestPostgres } from '@hcc/shared/testing';

const perTx = Number(process.argv[2] ?? 10);
const conc = Number(process.argv[3] ?? 8);
const pg = await startTestPostgres();
const d = await createTestDatabase(pg.url, 'j');
const db = await openDatabase({ url: d.url });
await db.migrate(EDGE_MIGRATIONS);
const j = new OutboxJournal(db.db, { siteId: 'hq', tenantId: () => 'acme', configVersion: () => 1n });
await j.init();
const pseudo = new CallerPseudonymizer(new Uint8Array(32).fill(3), { countryCode: '1' });
const template = scriptedDayForBench().flatMap((c) => callEvents(c, pseudo).map((s) => s.body));
let next = 0;
let committed = 0;
const t0 = Date.now();
const end = t0 + 5000;
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: conc }, async () => {
    while (Date.now() < end) {
      await j.transaction(async (_tx, emit) => {
        const at = new Date();
        for (let i = 0; i < perTx; i++) emit(template[next++ % template.length]!, { occurredAt: at });
      });
      committed += perTx;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log(
  `${perTx} events/transaction, ${conc} writers: ${Math.round(committed / ((Date.now() - t0) / 1000))} events/s, ` +
    `${((cpu.user + cpu.system) / committed).toFixed(1)} µs of journal-process CPU per event`,
);
await db.close();
await pg.stop();
process.exit(0);
