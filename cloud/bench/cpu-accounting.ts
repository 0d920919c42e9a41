// CPU time spent by this benchmark's own processes (this process and its descendants), by role,
// read from /proc: on a shared 2-core machine, where the cores went is steadier than a rate.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

interface Proc {
  pid: number;
  ppid: number;
  ms: number;
  role: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return { pid, ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS, role: roleOf(cmd) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function roleOf(cmd: string): string {
  if (cmd.includes('nats-server')) return cmd.includes('leaf-') ? 'nats leaf' : 'nats hub';
  // Backends name their database in their title ("postgres: user db host state"): the edge's outbox
  // and the cloud's analytics share one server in the bench, so split it.
  if (cmd.startsWith('postgres: ')) {
    const db = cmd.split(' ')[2] ?? '';
    if (db.startsWith('edge_')) return 'postgres edge';
    if (db.startsWith('cloud_') || db.startsWith('replay_')) return 'postgres cloud';
    return 'postgres';
  }
  if (cmd.startsWith('postgres')) return 'postgres';
  if (cmd.includes('ingest-edge')) return 'edge process';
  return 'other';
}

/** CPU ms by role of this process's descendants, plus this process ('bench + cloud ingest'). */
export function cpuByRole(): Map<string, number> {
  const procs = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const p = readProc(Number(d));
    if (p) procs.set(p.pid, p);
  }
  const mine = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs.values())
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  const out = new Map<string, number>();
  for (const pid of mine) {
    const p = procs.get(pid);
    if (!p) continue;
    const role = pid === process.pid ? 'bench + cloud ingest' : p.role;
    out.set(role, (out.get(role) ?? 0) + p.ms);
  }
  return out;
}

/** One line: CPU seconds per role between two snapshots, and CPU µs per event in all. */
export function cpuReport(before: Map<string, number>, after: Map<string, number>, events: number): string {
  const parts: string[] = [];
  let total = 0;
  for (const [role, ms] of [...after].sort((a, b) => b[1] - a[1])) {
    const d = ms - (before.get(role) ?? 0);
    if (d <= 0 || role === 'other') continue;
    total += d;
    parts.push(`${role} ${(d / 1000).toFixed(1)} s`);
  }
  return `CPU: ${parts.join(', ')}; ${((total * 1000) / events).toFixed(0)} µs per event in all`;
}

/** CPU µs per event by role between two snapshots, and in all ('total'). */
export function cpuPerEvent(
  before: Map<string, number>,
  after: Map<string, number>,
  events: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [role, ms] of after) {
    const d = ms - (before.get(role) ?? 0);
    if (d <= 0 || role === 'other') continue;
    total += d;
    out[role] = (d * 1000) / events;
  }
  out.total = (total * 1000) / events;
  return out;
}
