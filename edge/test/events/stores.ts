import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { EdgeHeartbeatSchema } from '@hcc/proto';
import { type Database, openDatabase } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { inject } from 'vitest';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { type CommittedRows, OutboxJournal } from '../../src/events/journal.ts';

/** A small event body, told apart by its node id. */
export const heartbeat = (n: number) => ({
  case: 'edgeHeartbeat' as const,
  value: create(EdgeHeartbeatSchema, { nodeId: `n${n}` }),
});

export type Rows<T> = { rows: T[] };

export type OpenStore = () => Promise<{ database: Database; dispose: () => Promise<void> }>;

/** One contract, both stores the edge runs on: embedded PGlite and PostgreSQL (for `describe.each`). */
export function journalStores(prefix: string): [string, OpenStore][] {
  return [
    [
      'pglite',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), `hcc-${prefix}-`));
        const database = await openDatabase({ dataDir: dir });
        return {
          database,
          dispose: async () => {
            await database.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    ],
    [
      'postgres',
      async () => {
        const d = await createTestDatabase(inject('pgUrl'), prefix.replaceAll('-', '_'));
        const database = await openDatabase({ url: d.url });
        return {
          database,
          dispose: async () => {
            await database.close();
            await d.drop();
          },
        };
      },
    ],
  ];
}

/**
 * A migrated store and a journal of site `hq` (tenant `acme`, config version 7) on it, initialised;
 * `committed` collects what the journal hands to the publisher.
 */
export async function openJournal(open: OpenStore): Promise<{
  database: Database;
  dispose: () => Promise<void>;
  journal: OutboxJournal;
  committed: CommittedRows[];
}> {
  const { database, dispose } = await open();
  await database.migrate(EDGE_MIGRATIONS);
  const committed: CommittedRows[] = [];
  const journal = new OutboxJournal(
    database.db,
    { siteId: 'hq', tenantId: () => 'acme', configVersion: () => 7n },
    (c) => committed.push(c),
  );
  await journal.init();
  return { database, dispose, journal, committed };
}
