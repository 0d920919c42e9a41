export { freePort, type ManagedChild, startChild, waitFor, waitForTcp } from '../process/child.ts';
