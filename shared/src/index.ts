export { freePort, type ManagedChild, type StartOptions, startChild, waitFor, waitForTcp } from './process/child.ts';
