import { type Logger, names } from '@hcc/shared';
import type { KV } from '@nats-io/kv';
import type { ConfigStore } from './store.ts';

/**
 * Follows this site's key in the local config mirror and offers every new value to the store.
 * A KV watch is a latest-value view, which is why the cloud always sends full bundles. Returns a
 * function that stops watching.
 */
export function watchConfig(kv: KV, site: string, store: ConfigStore, log: Logger): () => void {
  let stopped = false;
  let stopCurrent: (() => void) | undefined;
  void (async () => {
    while (!stopped) {
      try {
        const iter = await kv.watch({ key: names.configKey(site) });
        stopCurrent = () => iter.stop();
        for await (const entry of iter) {
          if (entry.operation !== 'PUT') continue;
          await store.offer(entry.value);
        }
      } catch (err) {
        if (!stopped)
          log.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'config watch failed; retrying',
          );
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return () => {
    stopped = true;
    stopCurrent?.();
  };
}
