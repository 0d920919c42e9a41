import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL server; tests create their own databases on it. */
    pgUrl: string;
  }
}

/**
 * Vitest global setup for the whole workspace: one real PostgreSQL server for the run (or the one
 * `TEST_DATABASE_URL` names). Per-test topologies (nats-server hubs and leaves, rtpengine, SIPp) are
 * started by the tests themselves.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('pgUrl', external);
    return async () => {};
  }
  const pgServer = await startTestPostgres();
  project.provide('pgUrl', pgServer.url);
  return async () => {
    await pgServer.stop();
  };
}
