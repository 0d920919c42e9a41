export { freePort, type ManagedChild, startChild, waitFor, waitForTcp } from '../process/child.ts';
export { startTestHub, startTestLeaf, type TestHub, type TestNatsServer } from './nats.ts';
export { createTestDatabase, postgresBinDir, startTestPostgres, type TestPostgres } from './postgres.ts';
