import type { Db, Logger, LoginThrottle } from '@hcc/shared';
import type { Reports } from '../analytics/reports.ts';
import type { IdentityService } from '../auth/identity.ts';
import type { ConfigService } from '../config/rollout.ts';
import type { Enrollment } from '../sites/enrollment.ts';
import type { EnrollmentTokens } from '../sites/enrollment-tokens.ts';
import type { TokenBuckets } from './rate-limit.ts';

/** What the API routes need; built by the composition root. */
export interface ApiDeps {
  db: Db;
  identity: IdentityService;
  /** Brakes password guessing on the API and console logins. */
  loginThrottle: LoginThrottle;
  config: ConfigService;
  enrollment: Enrollment;
  enrollmentTokens: EnrollmentTokens;
  /** Brakes guessing of enrollment tokens (per client address). */
  enrollThrottle: LoginThrottle;
  /** The URL sites reach the cloud at, for the enroll command; default: the request's origin. */
  publicUrl?: string;
  /** A site is online when its last heartbeat is younger than this. */
  onlineAfterMs: number;
  /** The console's report queries, served to BI tools under /api/v1/reports. */
  reports: Reports;
  /** A token bucket per caller of the reports API (CLOUD_REPORTS_RATE_*). */
  reportsRate: TokenBuckets;
  log: Logger;
}
