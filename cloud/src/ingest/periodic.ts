import type { Logger } from '@hcc/shared';

/** A round that runs now and then `periodMs` after each round ends (never two at once). */
export interface Periodic {
  /** No more rounds; resolves when the one in flight, if any, has ended. */
  stop(): Promise<void>;
}

/** Starts `round`; a failed round is logged as `failed` (error name only) and the next one runs on time. */
export function runPeriodically(
  round: () => Promise<unknown>,
  periodMs: number,
  log: Logger,
  failed: string,
): Periodic {
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = round()
      .then(() => {})
      .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.name : 'unknown' }, failed))
      .finally(() => {
        if (timer) timer = setTimeout(tick, periodMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
