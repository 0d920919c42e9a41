import type { Db, Logger, LoginThrottle } from '@hcc/shared';
import type { IdentityService } from '../auth/identity.ts';
import type { ConfigService } from '../config/rollout.ts';
import type { Enrollment } from '../sites/enrollment.ts';
import type { EnrollmentTokens } from '../sites/enrollment-tokens.ts';

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
  log: Logger;
}
