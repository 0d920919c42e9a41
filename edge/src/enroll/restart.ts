import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const EDGE_UNITS = ['hcc-edge-nats.service', 'hcc-edge.service'] as const;

export type RestartOutcome =
  | { kind: 'restarted'; units: readonly string[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; detail: string };

/** True when systemd is PID 1 here and the edge's units are installed. */
function systemdWithUnits(): boolean {
  if (!existsSync('/run/systemd/system')) return false;
  const r = spawnSync('systemctl', ['list-unit-files', '--no-legend', ...EDGE_UNITS], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  return EDGE_UNITS.every((u) => r.stdout.includes(u));
}

/**
 * Restarts the leaf nats-server and the edge (the leaf first: the edge connects to it) when systemd
 * runs and the package's units exist; otherwise says why not.
 */
export function restartEdgeUnits(skip: boolean): RestartOutcome {
  if (skip) return { kind: 'skipped', reason: '--no-restart' };
  if (!systemdWithUnits())
    return { kind: 'skipped', reason: 'systemd is not running or the hcc-edge units are not installed' };
  const r = spawnSync('systemctl', ['restart', ...EDGE_UNITS], { encoding: 'utf8' });
  if (r.status !== 0) return { kind: 'failed', detail: (r.stderr || r.stdout).trim().split('\n')[0] ?? '' };
  return { kind: 'restarted', units: EDGE_UNITS };
}
