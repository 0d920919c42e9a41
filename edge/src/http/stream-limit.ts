/**
 * A cap on the server-sent event streams one agent session keeps open (the desktop's live view,
 * the supervisor view: a tab each, plus reconnects). Streams beyond the cap get 429 with a JSON
 * error; a slot is given back when its stream closes (the client went away or the server ended it).
 */
import type { Context } from 'hono';
import type { DesktopEnv } from './desktop.ts';

export const MAX_STREAMS_PER_SESSION = 4;

export class StreamLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly max = MAX_STREAMS_PER_SESSION) {}

  /** Takes a slot for `key`: a release function (idempotent), or undefined when all are taken. */
  acquire(key: string): (() => void) | undefined {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return undefined;
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Streams open for `key` now. */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/** The 429 answer to one stream too many. */
export function tooManyStreams(c: Context<DesktopEnv>, max: number) {
  c.header('Retry-After', '5');
  return c.json(
    {
      error: 'too_many_streams',
      message: `At most ${max} live streams per login: close another tab of the desktop first.`,
      limit: max,
    },
    429,
  );
}
