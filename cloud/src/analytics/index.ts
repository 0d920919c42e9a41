export { type AnalyticsHttpDeps, analyticsRoutes, mountAnalytics } from './http.ts';
export {
  type LiveDropReason,
  LiveSnapshots,
  type LiveSnapshotsDeps,
  type LiveSnapshotsOptions,
} from './live.ts';
export { ANALYTICS_MIGRATIONS, ANALYTICS_MIGRATIONS_TABLE, migrateAnalytics } from './migrate.ts';
export {
  type AgentRow,
  type BreakdownRow,
  type Bucket,
  type ReportRange,
  Reports,
  type SeriesRow,
} from './reports.ts';
export { INTERVAL_MS, intervalStart, SHORT_ABANDON_MS } from './rollup.ts';
export { type Wallboard, wallboard } from './wallboard.ts';
