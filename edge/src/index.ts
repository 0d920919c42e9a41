export { ensureEdgeEventsStream, openEdgeConfigMirror } from './nats/topology.ts';
