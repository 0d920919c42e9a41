export { ensureHubEventsStream, openHubConfigBucket } from './nats/topology.ts';
