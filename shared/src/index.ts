export { LoginThrottle, type LoginThrottleOptions, type ThrottleVerdict } from './auth/login-throttle.ts';
export { hashPassword, SCRYPT_PARAMS, verifyPassword } from './auth/scrypt.ts';
export * from './backup/index.ts';
export { type CliCommand, type CliSpec, runCli, UsageError, usageText } from './cli/commands.ts';
export { productVersion } from './cli/version.ts';
export { DIAL_PREFIX, type DialPolicyProblem, dialPolicyProblems } from './config/dial-policy.ts';
export {
  generateSigningKeyPair,
  publicKeyOf,
  type SigningKeyPair,
  signBytes,
  signingKeyId,
  verifyBytes,
} from './config/signing.ts';
export {
  TRUNK_HEALTH_DEFAULTS,
  TRUNK_HEALTH_LIMITS,
  type TrunkHealthPolicy,
  trunkHealthPolicy,
  trunkHealthProblems,
} from './config/trunk-health.ts';
export { type BundleProblem, validateBundle } from './config/validate.ts';
export { type Database, type DatabaseTarget, type Db, type MigrateOptions, openDatabase } from './db/open.ts';
export { ConfigError, envReader } from './env/env.ts';
export { Observer } from './events/emitter.ts';
export { type ReadinessCheck, type ReadinessReport, runReadiness } from './health/readiness.ts';
export { healthRoutes } from './http/health.ts';
export { sameOriginWrites } from './http/same-origin.ts';
export { readTlsPair, serveHttp, type TlsPair } from './http/serve.ts';
export { uuid7 } from './ids/uuid7.ts';
export { createLogger, type Logger, type LoggerOptions, silentLogger } from './log/logger.ts';
export {
  type RtpengineLaunch,
  rtpengineArgs,
  rtpengineInterface,
  timeoutArgs,
} from './media/rtpengine-args.ts';
export {
  type ConfValue,
  type HubConfOptions,
  type HubLeafTlsOptions,
  type HubOperatorOptions,
  hubConf,
  type LeafConfOptions,
  leafConf,
  renderConf,
  tlsLeafUrl,
} from './nats/conf.ts';
export { connectNats, natsReadiness } from './nats/connect.ts';
export * as names from './nats/names.ts';
export {
  type AccountSpec,
  accountLimits,
  createOperatorMaterial,
  issueAccountJwt,
  issueUser,
  keyPairFromSeed,
  NatsAuthError,
  newAccountKey,
  type OperatorMaterial,
  pushAccountClaims,
  type UserIdentity,
  type UserSpec,
} from './nats/operator.ts';
export {
  freePort,
  type ManagedChild,
  type StartOptions,
  startChild,
  waitFor,
  waitForTcp,
} from './process/child.ts';
export { isEntrypoint, runService, type ServiceRun } from './process/service.ts';
export { httpTracing } from './telemetry/http.ts';
export { startTelemetry } from './telemetry/sdk.ts';
export { type Clock, FakeClock, flush, systemClock, type TimerHandle } from './time/clock.ts';
export {
  type CaOptions,
  type CertFiles,
  checkCertKeyPair,
  checkServerCert,
  createCa,
  ensureCa,
  issueServerCert,
  type ServerCertOptions,
  subjectAltNames,
  TlsMaterialError,
} from './tls/ca.ts';
export { ClearTextListenerError, checkListener, isLoopbackHost } from './tls/cleartext.ts';
