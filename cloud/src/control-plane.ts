import { fileURLToPath } from 'node:url';
import {
  type Database,
  type Logger,
  LoginThrottle,
  natsReadiness,
  openDatabase,
  systemClock,
  waitFor,
} from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { Reports } from './analytics/reports.ts';
import type { ApiDeps } from './api/index.ts';
import { TokenBuckets } from './api/rate-limit.ts';
import { IdentityService } from './auth/identity.ts';
import { ed25519Signer, type Signer } from './config/publish.ts';
import { ConfigService } from './config/rollout.ts';
import { FleetConsumer } from './fleet/consumer.ts';
import { HubAuthority } from './nats/authority.ts';
import { ConfigBus } from './nats/config-bus.ts';
import type { CloudSettings } from './settings.ts';
import { Enrollment } from './sites/enrollment.ts';
import { EnrollmentTokens } from './sites/enrollment-tokens.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/** The control plane's object graph (no HTTP server): what main and the tests start. */
export interface ControlPlane {
  readonly database: Database;
  readonly api: ApiDeps;
  readonly signer: Signer;
  readonly authority: HubAuthority;
  readonly fleet: FleetConsumer;
  readonly nc: NatsConnection;
  readiness(): ReturnType<typeof natsReadiness>[];
  stop(): Promise<void>;
}

export async function startControlPlane(settings: CloudSettings, log: Logger): Promise<ControlPlane> {
  const database = await openDatabase(settings.database);
  await database.migrate(MIGRATIONS);
  log.info({ db: database.kind }, 'database ready');
  const db = database.db;
  const signer = ed25519Signer(settings.signingKeyPem);
  const authority = new HubAuthority(
    settings.nats,
    settings.natsUrl,
    log.child({ module: 'nats-auth' }),
    settings.secrets,
  );
  let nc: NatsConnection | undefined;
  const enrollment = new Enrollment(
    db,
    authority,
    () => {
      if (!nc) throw new Error('cloud NATS connection not ready');
      return nc;
    },
    { hubLeafUrls: settings.hubLeafUrls, signingPublicKey: signer.publicKeyPem, hubCaPem: settings.hubCaPem },
    log.child({ module: 'enrollment' }),
  );
  // The hub may still be starting: retry until it takes the account claims.
  await waitFor('hub to accept account claims', () => enrollment.restore().then(() => true), 60_000, 500);
  nc = await authority.connectCloud();
  await waitFor('aggregate events stream', () => enrollment.ensureAggregate().then(() => true), 60_000, 500);
  const fleet = new FleetConsumer(db, nc, log.child({ module: 'fleet' }));
  await fleet.start();
  const bus = new ConfigBus(authority, log.child({ module: 'config-bus' }));
  const api: ApiDeps = {
    db,
    identity: new IdentityService(db),
    loginThrottle: new LoginThrottle({ clock: systemClock }),
    config: new ConfigService(db, signer, bus, log.child({ module: 'config' })),
    enrollment,
    enrollmentTokens: new EnrollmentTokens(db, log.child({ module: 'enrollment' })),
    // Brakes token guessing on POST /api/v1/enroll: 10 refused tokens a minute lock the address for 60 s.
    enrollThrottle: new LoginThrottle({ clock: systemClock, perAccount: 10, perAddress: 10 }),
    publicUrl: settings.publicUrl,
    onlineAfterMs: settings.onlineAfterMs,
    reports: new Reports(db),
    // The reports API: a token bucket per API key or user (default 60 a minute, 20 at once).
    reportsRate: new TokenBuckets(systemClock, settings.reportsRate),
    log,
  };
  const conn = nc;
  return {
    database,
    api,
    signer,
    authority,
    fleet,
    nc: conn,
    readiness: () => [{ name: 'database', check: () => database.ping() }, natsReadiness(conn)],
    async stop() {
      fleet.stop();
      await bus.close();
      await conn.drain().catch(() => {});
      await database.close();
    },
  };
}
