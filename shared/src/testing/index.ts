export { freePort, type ManagedChild, startChild, waitFor, waitForTcp } from '../process/child.ts';
export { type ChromiumOptions, launchChromium, type TestChromium } from './chromium.ts';
export {
  startTestHub,
  startTestLeaf,
  type TestHub,
  type TestHubOptions,
  type TestNatsServer,
  testHubTls,
} from './nats.ts';
export { createTestDatabase, postgresBinDir, startTestPostgres, type TestPostgres } from './postgres.ts';
