export { type ConfigAgent, type ConfigAgentOptions, startConfigAgent } from './config/agent.ts';
export { type Verdict, verifyBundle } from './config/verify.ts';
export { EDGE_MIGRATIONS } from './db/migrations.ts';
export { enrollCommand } from './enroll/cli.ts';
export { EnrollError } from './enroll/client.ts';
export * from './events/index.ts';
export { ensureEdgeEventsStream, openEdgeConfigMirror } from './nats/topology.ts';
export { type EdgeSettings, edgeSettings } from './settings.ts';
