/**
 * Customer directory import: 100,000 customers from a CSV file through the same code as `hcc-edge
 * customers import` and POST /api/v1/customers/import (streamed parse, validation, batched upserts),
 * into the embedded PGlite (the edge's default) and into PostgreSQL (a throwaway server of the test
 * helpers, or PG_URL). Prints time, rows/s, peak RSS and heap growth, and the export time.
 *
 *   npx tsx edge/bench/directory-import.ts [rows] [--only pglite|postgres]   (node --expose-gc --import tsx: exact heap)
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '@hcc/shared';
import { createTestDatabase, startTestPostgres } from '@hcc/shared/testing';
import { CustomerDirectory, exportCsv, importCsv, siteNumberRules } from '../src/customers/index.ts';
import { EDGE_MIGRATIONS } from '../src/db/migrations.ts';
import { customersCsv } from '../test/directory/fixtures.ts';

const rows = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 100_000);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

async function run(kind: string, database: Database, file: string): Promise<void> {
  await database.migrate(EDGE_MIGRATIONS);
  const dir = new CustomerDirectory(database.db, () => siteNumberRules());
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = heap0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const t0 = performance.now();
  const report = await importCsv(dir, createReadStream(file, { highWaterMark: 64 * 1024 }));
  const ms = performance.now() - t0;
  clearInterval(sampler);
  gc?.();
  const retained = process.memoryUsage().heapUsed - heap0;
  const t1 = performance.now();
  let bytes = 0;
  for await (const line of exportCsv(dir)) bytes += line.length;
  const exportMs = performance.now() - t1;
  console.log(
    `${kind.padEnd(8)} import ${report.stored} stored / ${report.failed} refused in ${(ms / 1000).toFixed(2)} s ` +
      `(${Math.round(report.stored / (ms / 1000))} rows/s), peak RSS ${mib(peakRss)}, ` +
      `heap +${mib(peakHeap - heap0)} at peak over the start${gc ? `, +${mib(retained)} after a GC` : ''}; export ${mib(bytes)} in ${(exportMs / 1000).toFixed(2)} s`,
  );
}

const work = await mkdtemp(join(tmpdir(), 'hcc-dir-bench-'));
try {
  const file = join(work, 'customers.csv');
  await writeFile(file, customersCsv(rows));
  console.log(
    `${rows} customers, CSV ${mib((await stat(file)).size)}, batches of 1000 rows; node ${process.version}`,
  );
  if (only !== 'postgres') {
    const db = await openDatabase({ dataDir: join(work, 'pglite') });
    try {
      await run('pglite', db, file);
    } finally {
      await db.close();
    }
  }
  if (only !== 'pglite') {
    const server = process.env.PG_URL ? undefined : await startTestPostgres();
    const d = await createTestDatabase(process.env.PG_URL ?? server!.url, 'bench_directory');
    const db = await openDatabase({ url: d.url });
    try {
      await run('postgres', db, file);
    } finally {
      await db.close();
      await d.drop();
      await server?.stop();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
