import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.ts';
import { startTelemetry } from '../telemetry/sdk.ts';

/** True when the module at `moduleUrl` is the script node was started with. */
export function isEntrypoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}

export interface ServiceRun {
  /** Service name for telemetry and messages, e.g. `hcc-edge-hq`. */
  name: string;
  log: Logger;
  start: () => Promise<{ stop(): Promise<void> }>;
  /** How long a graceful stop may take before the process exits anyway. Default 10 s. */
  stopTimeoutMs?: number;
}

/**
 * Runs a service process: telemetry, start, and a graceful stop on SIGINT/SIGTERM bounded by a
 * deadline (a second signal exits at once). A start failure prints one clear line and exits 1.
 */
export async function runService(o: ServiceRun): Promise<void> {
  try {
    const stopTelemetry = await startTelemetry(o.name, o.log);
    const service = await o.start();
    let stopping = false;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        if (stopping) {
          o.log.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        o.log.info({ signal: sig }, 'stopping');
        const deadline = setTimeout(() => {
          o.log.error({ timeout_ms: o.stopTimeoutMs ?? 10_000 }, 'graceful stop took too long: exiting');
          process.exit(1);
        }, o.stopTimeoutMs ?? 10_000);
        deadline.unref();
        void service
          .stop()
          .then(stopTelemetry)
          .then(
            () => process.exit(0),
            (err: unknown) => {
              o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'stop failed');
              process.exit(1);
            },
          );
      });
    }
  } catch (err) {
    process.stderr.write(
      `${o.name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  }
}
