import { type ConfigBundle, ConfigRejectReason, decodeBundle } from '@hcc/proto';
import { type Db, type Logger, Observer } from '@hcc/shared';
import { desc, eq } from 'drizzle-orm';
import { configVersions } from '../db/schema.ts';
import { type VerifyContext, verifyBundle } from './verify.ts';

export interface ConfigEvents {
  applied: { version: bigint; previousVersion: bigint };
  rejected: { version: bigint; reason: ConfigRejectReason; detail: string };
}

/**
 * The config this edge runs. `current()` returns an immutable bundle: a call keeps the one it
 * started with while a newer version is applied underneath it (an atomic reference swap). Every
 * received version is stored, applied or rejected, and the latest applied one is loaded at boot.
 */
export class ConfigStore {
  readonly observer: Observer<ConfigEvents>;
  private active: ConfigBundle | undefined;
  private lastBytes: Uint8Array | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly ctx: Omit<VerifyContext, 'currentVersion'>,
    private readonly log: Logger,
  ) {
    this.observer = new Observer<ConfigEvents>(log);
  }

  current(): ConfigBundle | undefined {
    return this.active;
  }

  get version(): bigint {
    return this.active?.version ?? 0n;
  }

  /** Loads the newest applied version from the local database (boot without NATS). */
  async load(): Promise<ConfigBundle | undefined> {
    const [row] = await this.db
      .select({ bundle: configVersions.bundle })
      .from(configVersions)
      .where(eq(configVersions.status, 'applied'))
      .orderBy(desc(configVersions.version))
      .limit(1);
    if (row) {
      this.active = decodeBundle(row.bundle);
      this.lastBytes = row.bundle;
      this.log.info({ version: this.active.version.toString() }, 'config loaded from local store');
    }
    return this.active;
  }

  /** Verifies and applies received bytes; serialised so two deliveries never race. */
  offer(bytes: Uint8Array): Promise<boolean> {
    const next = this.queue.then(() => this.apply(bytes));
    this.queue = next.catch(() => {});
    return next;
  }

  private async apply(bytes: Uint8Array): Promise<boolean> {
    // The mirror redelivers the current value after every restart: that is not news.
    if (this.lastBytes && Buffer.compare(Buffer.from(bytes), Buffer.from(this.lastBytes)) === 0) return true;
    const verdict = verifyBundle(bytes, { ...this.ctx, currentVersion: this.version });
    if (!verdict.ok) {
      if (verdict.version > 0n && verdict.reason !== ConfigRejectReason.STALE_VERSION) {
        await this.db
          .insert(configVersions)
          .values({
            version: verdict.version,
            signingKeyId: '',
            bundle: bytes,
            status: 'rejected',
            rejectReason: ConfigRejectReason[verdict.reason],
          })
          .onConflictDoNothing();
      }
      this.log.warn(
        {
          version: verdict.version.toString(),
          reason: ConfigRejectReason[verdict.reason],
          detail: verdict.detail,
        },
        'config rejected',
      );
      this.observer.emit('rejected', {
        version: verdict.version,
        reason: verdict.reason,
        detail: verdict.detail,
      });
      return false;
    }
    const bundle = verdict.bundle;
    await this.db
      .insert(configVersions)
      .values({
        version: bundle.version,
        signingKeyId: bundle.signingKeyId,
        bundle: bytes,
        status: 'applied',
        appliedAt: new Date(),
      })
      .onConflictDoUpdate({
        target: configVersions.version,
        set: { status: 'applied', appliedAt: new Date(), bundle: bytes },
      });
    const previousVersion = this.version;
    this.active = bundle;
    this.lastBytes = bytes;
    this.log.info(
      { version: bundle.version.toString(), previous: previousVersion.toString() },
      'config applied',
    );
    this.observer.emit('applied', { version: bundle.version, previousVersion });
    return true;
  }
}
