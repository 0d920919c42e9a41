import type { Trunk } from '@hcc/proto';

/** Defaults of a trunk's OPTIONS pings (bundle.proto Trunk fields 16-18: 0 means the default). */
export const TRUNK_HEALTH_DEFAULTS = {
  intervalSeconds: 30,
  downAfterFailures: 3,
  upAfterSuccesses: 2,
} as const;
/** Upper bounds a bundle may set: a ping interval beyond an hour, or thresholds past 100, are mistakes. */
export const TRUNK_HEALTH_LIMITS = { intervalSeconds: 3600, threshold: 100 } as const;

/** A trunk's OPTIONS ping policy with the defaults applied; undefined when pinging is switched off. */
export interface TrunkHealthPolicy {
  intervalMs: number;
  downAfterFailures: number;
  upAfterSuccesses: number;
}

export function trunkHealthPolicy(t: Trunk): TrunkHealthPolicy | undefined {
  if (t.optionsPingOff) return undefined;
  const d = TRUNK_HEALTH_DEFAULTS;
  return {
    intervalMs: (t.optionsIntervalSeconds || d.intervalSeconds) * 1000,
    downAfterFailures: t.downAfterFailures || d.downAfterFailures,
    upAfterSuccesses: t.upAfterSuccesses || d.upAfterSuccesses,
  };
}

/** Field paths of a trunk's out-of-range health settings (validateBundle reports them as INVALID_VALUE). */
export function trunkHealthProblems(t: Trunk): string[] {
  const out: string[] = [];
  const l = TRUNK_HEALTH_LIMITS;
  if (t.optionsIntervalSeconds > l.intervalSeconds) out.push(`trunks.${t.id}.options_interval_seconds`);
  if (t.downAfterFailures > l.threshold) out.push(`trunks.${t.id}.down_after_failures`);
  if (t.upAfterSuccesses > l.threshold) out.push(`trunks.${t.id}.up_after_successes`);
  return out;
}
