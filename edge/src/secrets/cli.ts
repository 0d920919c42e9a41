/**
 * Provisions local secrets on an edge (run on site):
 *   tsx edge/src/secrets/cli.ts device <ref> <username> <password>   # SIP phone: HA1 for the edge realm
 *   tsx edge/src/secrets/cli.ts trunk <ref> <password>               # carrier digest password
 * Uses the edge's database settings (EDGE_DATABASE_URL or the PGlite data dir) and realm.
 */
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@hcc/shared';
import { EDGE_MIGRATIONS } from '../db/migrations.ts';
import { edgeSettings } from '../settings.ts';
import { sipRealm } from './realm.ts';
import { SecretStore } from './store.ts';

async function main(argv: string[]): Promise<void> {
  const settings = edgeSettings();
  const [kind, ref, a, b] = argv;
  const database = await openDatabase(settings.database);
  try {
    await database.migrate(EDGE_MIGRATIONS);
    const store = new SecretStore(database.db);
    if (kind === 'device' && ref && a && b) await store.setDevicePassword(ref, a, sipRealm(settings.site), b);
    else if (kind === 'trunk' && ref && a) await store.setPassword(ref, a);
    else throw new Error('usage: device <ref> <username> <password> | trunk <ref> <password>');
    process.stdout.write(`secret ${ref} stored\n`);
  } finally {
    await database.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
