import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { EdgeHeartbeatSchema } from '@hcc/proto';
import { type Database, openDatabase } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { inject } from 'vitest';

/** A small event body, told apart by its node id. */
export const heartbeat = (n: number) => ({
  case: 'edgeHeartbeat' as const,
  value: create(EdgeHeartbeatSchema, { nodeId: `n${n}` }),
});

export type Rows<T> = { rows: T[] };

type OpenStore = () => Promise<{ database: Database; dispose: () => Promise<void> }>;

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
