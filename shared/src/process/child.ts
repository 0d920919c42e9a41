import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
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
    log?.write(buf);
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      opts.onLine?.(line);
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    });
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

/** Asks the kernel for a free TCP port on `host` (also free for UDP in practice on loopback). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  srv.listen(0, host);
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === 'string') throw new Error('could not allocate a port');
  return addr.port;
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
