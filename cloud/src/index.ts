export * from './analytics/index.ts';
export { SecretBox, SecretBoxError } from './db/secret-box.ts';
export * from './ingest/index.ts';
export { renderOperatorInclude } from './install/hub-conf.ts';
export { type AuthoritySecrets, HubAuthority, type SiteAccount } from './nats/authority.ts';
export {
  ensureHubEventsStream,
  ensureSiteHubEventsStream,
  HUB_EVENTS_DUPLICATE_WINDOW_MS,
  openSiteConfigBucket,
} from './nats/topology.ts';
