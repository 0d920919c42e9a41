import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Records the process groups the dev stack started, so that a start after a crash (or a SIGKILL of
 * the stack itself) can stop whatever the previous run left behind before it binds the same ports.
 */
export interface PidEntry {
  name: string;
  pid: number;
  /** The start of /proc/<pid>/cmdline, to avoid killing an unrelated process that reused the pid. */
  cmd: string;
}

export class PidFile {
  private entries: PidEntry[] = [];
  constructor(private readonly path: string) {}

  add(entry: PidEntry): void {
    this.entries.push(entry);
    this.flush();
  }

  remove(pid: number): void {
    this.entries = this.entries.filter((e) => e.pid !== pid);
    this.flush();
  }

  clear(): void {
    this.entries = [];
    rmSync(this.path, { force: true });
  }

  private flush(): void {
    writeFileSync(this.path, `${JSON.stringify(this.entries, null, 2)}\n`);
  }

  /** Stops every still-running process group of a previous run; returns the names it stopped. */
  async reapLeftovers(): Promise<string[]> {
    if (!existsSync(this.path)) return [];
    let old: PidEntry[] = [];
    try {
      old = JSON.parse(readFileSync(this.path, 'utf8')) as PidEntry[];
    } catch {
      /* unreadable: nothing to reap */
    }
    const alive = old.filter((e) => cmdlineOf(e.pid)?.startsWith(e.cmd));
    for (const e of alive) signalGroup(e.pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (alive.some((e) => cmdlineOf(e.pid)?.startsWith(e.cmd)) && Date.now() < deadline) await sleep(100);
    for (const e of alive) if (cmdlineOf(e.pid)?.startsWith(e.cmd)) signalGroup(e.pid, 'SIGKILL');
    rmSync(this.path, { force: true });
    return alive.map((e) => `${e.name} (pid ${e.pid})`);
  }
}

export function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}
