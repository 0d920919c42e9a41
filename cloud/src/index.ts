export * from './analytics/index.ts';
export { SecretBox, SecretBoxError } from './db/secret-box.ts';
export * from './ingest/index.ts';
export { type AuthoritySecrets, HubAuthority, type SiteAccount } from './nats/authority.ts';
export {
  ensureHubEventsStream,
  ensureSiteHubEventsStream,
  openSiteConfigBucket,
} from './nats/topology.ts';
