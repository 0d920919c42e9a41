/**
 * A clean Debian root run with systemd-nspawn: `runOffline` runs one command in it with no network
 * (the offline install); `BootedRoot` boots its systemd with a private network namespace and runs
 * commands inside with nsenter. Nothing here touches the host's network (PostgreSQL and NATS listen
 * on the host's loopback; the container has a loopback of its own).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A clean environment for commands inside (nothing of the test process's own). */
const INSIDE_ENV = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  SYSTEMD_PAGER: '',
  SYSTEMD_COLORS: '0',
  DEBIAN_FRONTEND: 'noninteractive',
};

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function result(r: ReturnType<typeof spawnSync>, what: string, allowFail: boolean): Run {
  const out: Run = { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (!allowFail && out.code !== 0)
    throw new Error(
      `${what} failed (exit ${r.status ?? r.signal}):\n${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`,
    );
  return out;
}

/** Runs a command in the root without booting it and without any network. */
export function runOffline(dir: string, cmd: string[], timeoutMs = 300_000, allowFail = false): Run {
  const r = spawnSync(
    'systemd-nspawn',
    ['--register=no', '--keep-unit', '--private-network', '--quiet', '-D', dir, ...cmd],
    { encoding: 'utf8', timeout: timeoutMs, env: { ...INSIDE_ENV }, maxBuffer: 64 * 1024 * 1024 },
  );
  return result(r, `nspawn ${cmd.join(' ')}`, allowFail);
}

export class BootedRoot {
  private constructor(
    readonly dir: string,
    private readonly nspawn: ChildProcess,
    /** The container's PID 1 (systemd), as the host sees it. */
    readonly initPid: number,
    private readonly logFile: string,
  ) {}

  /** Boots the root's systemd (private network) and waits until its boot has finished. */
  static async boot(dir: string, logFile: string, timeoutMs = 60_000): Promise<BootedRoot> {
    writeFileSync(logFile, '');
    const nspawn = spawn(
      'systemd-nspawn',
      ['--boot', '--register=no', '--keep-unit', '--private-network', '--console=pipe', '-D', dir],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...INSIDE_ENV } },
    );
    const append = (b: Buffer) => writeFileSync(logFile, b, { flag: 'a' });
    nspawn.stdout?.on('data', append);
    nspawn.stderr?.on('data', append);
    const deadline = Date.now() + timeoutMs;
    let initPid: number | undefined;
    while (!initPid) {
      if (nspawn.exitCode !== null)
        throw new Error(`systemd-nspawn exited:\n${readFileSync(logFile, 'utf8')}`);
      if (Date.now() > deadline) throw new Error('the container did not start');
      const children = spawnSync('ps', ['--ppid', String(nspawn.pid), '-o', 'pid=,comm='], {
        encoding: 'utf8',
      });
      const line = children.stdout.split('\n').find((l) => l.trim().endsWith('systemd'));
      if (line) initPid = Number(line.trim().split(/\s+/)[0]);
      else await sleep(100);
    }
    const root = new BootedRoot(dir, nspawn, initPid, logFile);
    // Waits for the end of the boot ("running", or "degraded" when a unit failed).
    for (;;) {
      const state = root.exec(['systemctl', 'is-system-running'], { allowFail: true }).stdout.trim();
      if (state === 'running' || state === 'degraded') break;
      if (Date.now() > deadline) throw new Error(`the container's boot did not finish (${state})`);
      await sleep(200);
    }
    return root;
  }

  /** Runs a command inside the container (its mount, PID and network namespaces). */
  exec(cmd: string[], o: { allowFail?: boolean; timeoutMs?: number; input?: string } = {}): Run {
    const r = spawnSync(
      'nsenter',
      ['--target', String(this.initPid), '--mount', '--uts', '--ipc', '--net', '--pid', '--', ...cmd],
      { encoding: 'utf8', timeout: o.timeoutMs ?? 120_000, env: { ...INSIDE_ENV }, input: o.input },
    );
    return result(r, cmd.join(' '), o.allowFail ?? false);
  }

  /** Runs a host program inside the container's network namespace only (a client "from outside"). */
  execInNetwork(cmd: string[], timeoutMs = 120_000): Run {
    const r = spawnSync('nsenter', ['--target', String(this.initPid), '--net', '--', ...cmd], {
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return result(r, cmd.join(' '), true);
  }

  /** HTTP status of a URL fetched inside the container (0 when nothing answers). */
  httpStatus(url: string): number {
    const script = `fetch(${JSON.stringify(url)}).then((r) => console.log(r.status), () => console.log(0))`;
    const r = this.exec(['/usr/local/bin/node-probe', '-e', script], { allowFail: true });
    return Number(r.stdout.trim()) || 0;
  }

  httpJson<T>(url: string): T {
    const script = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    return JSON.parse(this.exec(['/usr/local/bin/node-probe', '-e', script]).stdout) as T;
  }

  /** Waits for `url` to answer 200; returns the seconds it took. */
  async waitHttp200(url: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (this.httpStatus(url) !== 200) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
      await sleep(200);
    }
    return (Date.now() - started) / 1000;
  }

  journal(unit: string, lines = 200): string {
    return this.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', unit, '-n', String(lines)], {
      allowFail: true,
    }).stdout;
  }

  /** Powers the container off (systemd's orderly shutdown), killing it if that takes too long. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.nspawn.exitCode !== null) return;
    const exited = new Promise<void>((res) => this.nspawn.once('exit', () => res()));
    this.nspawn.kill('SIGTERM');
    const timer = setTimeout(() => this.nspawn.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  bootLog(): string {
    return readFileSync(this.logFile, 'utf8');
  }
}

/**
 * The tests' probe: a copy of the installed Node runtime at a path of its own, so a probe keeps
 * working while a package is being upgraded or removed.
 */
export function installProbe(dir: string): void {
  spawnSync('cp', [join(dir, 'usr/lib/hcc/cloud/node'), join(dir, 'usr/local/lib/node-probe')]);
  // The probe trusts the install's CA (the cloud serves HTTPS with a certificate it signed).
  writeFileSync(
    join(dir, 'usr/local/bin/node-probe'),
    '#!/bin/sh\nexec env NODE_EXTRA_CA_CERTS=/etc/hcc/tls/hub-ca.pem /usr/local/lib/node-probe "$@"\n',
    { mode: 0o755 },
  );
}
