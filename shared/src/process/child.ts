import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process that the caller owns: started detached in its own process group, stopped with its group. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of combined stdout/stderr, for error messages. */
  tail(): string;
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout+stderr to this file as well as keeping a tail in memory. */
  logFile?: string;
  /** Forward each output line to this callback (e.g. the dev stack's console). */
  onLine?: (line: string) => void;
}

const TAIL_LINES = 60;

/**
 * Process groups this process started and that still run. When this process exits for any reason
 * but SIGKILL (a failed test run, a crashed benchmark), they are killed with it: detached children
 * would otherwise outlive their owner. (The dev stack's pid file covers the SIGKILL case.)
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export function startChild(opts: StartOptions): ManagedChild {
  const proc = spawn(opts.command, [...opts.args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  let log: WriteStream | undefined;
  if (opts.logFile) log = createWriteStream(opts.logFile, { flags: 'a' });
  const onData = (buf: Buffer) => {
    // Output can still arrive after 'exit' (the pipes drain later): the log closes on 'close'.
    if (log && !log.writableEnded) log.write(buf);
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      opts.onLine?.(line);
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  if (proc.pid !== undefined) trackGroup(proc.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      if (proc.pid !== undefined) liveGroups.delete(proc.pid);
      resolve({ code, signal });
    });
    proc.once('close', () => log?.end());
    proc.once('error', (err) => {
      lines.push(`spawn error: ${err.message}`);
      log?.end();
      resolve({ code: -1, signal: null });
    });
  });
  let exitedFlag = false;
  void exited.then(() => {
    exitedFlag = true;
  });
  const signalGroup = (sig: NodeJS.Signals) => {
    if (exitedFlag || proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, sig);
    } catch {
      try {
        proc.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  return {
    name: opts.name,
    pid: proc.pid ?? -1,
    process: proc,
    exited,
    async stop(graceMs = 5000) {
      if (exitedFlag) return;
      signalGroup('SIGTERM');
      const timer = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timer])) === 'timeout') {
        signalGroup('SIGKILL');
        await exited;
      }
    },
    tail: () => lines.join('\n'),
  };
}

/**
 * Ports for test peers come from 61000-64999: above the kernel's ephemeral range (32768-60999 by
 * default), so no outgoing connection or `bind(0)` socket of another process can take a port between
 * the moment it is handed out and the moment its user binds it, and clear of the rtpengine media
 * ranges tests use (20000-32767) and of baresip's default RTP range (10000-20000). Each vitest worker
 * draws from its own slice, and a port is handed out once per process.
 */
const PORT_BASE = 61000;
const PORT_SPAN = 4000;
const handedOut = new Set<number>();

function workerSlice(): { lo: number; size: number } {
  const id = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0);
  const workers = 4;
  const size = PORT_SPAN / workers;
  return { lo: PORT_BASE + (Number.isFinite(id) ? id % workers : 0) * size, size };
}

async function canBind(port: number, host: string): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, host, () => sock.close(() => resolve(true)));
  });
}

/**
 * A port that is free for both TCP and UDP on `host` (loopback by default), for a test peer to bind.
 * `span` > 1 reserves that many consecutive ports and returns the first (SIPp's `-mp` uses the port
 * and the three after it for RTP/RTCP).
 */
export async function freePort(host = '127.0.0.1', span = 1): Promise<number> {
  const { lo, size } = workerSlice();
  for (let attempt = 0; attempt < size; attempt++) {
    const port = lo + Math.floor(Math.random() * (size - span + 1));
    const ports = Array.from({ length: span }, (_, i) => port + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    let free = true;
    for (const p of ports) if (!(await canBind(p, host))) free = false;
    if (free) {
      for (const p of ports) handedOut.add(p);
      return port;
    }
  }
  throw new Error(`no ${span} free port(s) left in ${lo}-${lo + size - 1}`);
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs = 15_000,
  child?: ManagedChild,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host, port });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) {
      const detail = child ? `\n--- ${child.name} output ---\n${child.tail()}` : '';
      throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms${detail}`);
    }
    await sleep(50);
  }
}

/** Polls `probe` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
