/**
 * Before the dev stack starts anything: is another demo running from this state dir (its pid file
 * names a live stack process), and is every port the stack will bind free? Either fails the start
 * with a message naming the running demo or each taken port, instead of a half-started stack that
 * reads someone else's /readyz.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cmdlineOf, type PidEntry } from './pidfile.ts';
import type { StackPorts } from './ports.ts';

export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

export interface PortNeed {
  host: string;
  port: number;
  proto: 'tcp' | 'udp';
  /** What binds it, e.g. `hq SIP`. */
  what: string;
  /** The environment variable that moves it. */
  env: string;
}

/** Every port the stack binds (media port ranges excepted: rtpengine takes any free ones in them). */
export function stackPortNeeds(p: StackPorts, host: string): PortNeed[] {
  const needs: PortNeed[] = [
    { host, port: p.cloudHttp, proto: 'tcp', what: 'cloud HTTP', env: 'CLOUD_HTTP_PORT' },
    { host, port: p.hubNats, proto: 'tcp', what: 'NATS hub', env: 'HUB_NATS_PORT' },
    { host, port: p.hubLeaf, proto: 'tcp', what: 'NATS hub leafnodes', env: 'HUB_LEAF_PORT' },
  ];
  for (const e of p.edges) {
    const P = e.site.toUpperCase();
    needs.push(
      { host, port: e.http, proto: 'tcp', what: `${e.site} HTTP`, env: `${P}_HTTP_PORT` },
      { host: e.sipHost, port: e.sip, proto: 'udp', what: `${e.site} SIP`, env: `${P}_SIP_PORT` },
      { host: e.sipHost, port: e.sip, proto: 'tcp', what: `${e.site} SIP`, env: `${P}_SIP_PORT` },
      { host: e.sipHost, port: e.sipTls, proto: 'tcp', what: `${e.site} SIP TLS`, env: `${P}_SIP_TLS_PORT` },
      { host, port: e.sipWs, proto: 'tcp', what: `${e.site} SIP WebSocket`, env: `${P}_SIP_WS_PORT` },
      { host, port: e.nats, proto: 'tcp', what: `${e.site} leaf NATS`, env: `${P}_NATS_PORT` },
      { host, port: e.ng, proto: 'udp', what: `${e.site} rtpengine ng`, env: `${P}_RTPENGINE_NG_PORT` },
      { host, port: e.dtmf, proto: 'udp', what: `${e.site} DTMF events`, env: `${P}_DTMF_PORT` },
    );
  }
  return needs;
}

/** Binds and releases the port; resolves with the bind error's code, or undefined when it is free. */
function tryBind(n: PortNeed): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (n.proto === 'tcp') {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      server.listen({ host: n.host, port: n.port, exclusive: true }, () =>
        server.close(() => resolve(undefined)),
      );
      return;
    }
    const socket = createSocket(n.host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve(err.code ?? err.message);
    });
    socket.bind({ address: n.host, port: n.port, exclusive: true }, () =>
      socket.close(() => resolve(undefined)),
    );
  });
}

const isAny = (host: string) => host === '0.0.0.0' || host === '::';

/** `nats-server (pid 123)` for a port's holder when `ss` can tell (best effort, for the message). */
function holderOf(n: PortNeed): string | undefined {
  try {
    const out = execFileSync('ss', ['-Hn', '-p', n.proto === 'tcp' ? '-lt' : '-lu', `sport = :${n.port}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    return m ? `${m[1]} (pid ${m[2]})` : undefined;
  } catch {
    return undefined;
  }
}

/** Throws PreflightError naming every port that cannot be bound, what needs it and how to move it. */
export async function checkPortsFree(needs: readonly PortNeed[]): Promise<void> {
  const taken: string[] = [];
  // Two needs on one port: the stack's own settings collide (e.g. HQ_SIP_WS_PORT = HQ_HTTP_PORT).
  const seen = new Map<string, PortNeed>();
  for (const n of needs) {
    const key = `${n.port}/${n.proto}`;
    const first = seen.get(key);
    if (first && (first.host === n.host || isAny(first.host) || isAny(n.host)))
      taken.push(
        `  port ${key} is set for both ${first.what} (${first.env}) and ${n.what} (${n.env}): move one`,
      );
    else seen.set(key, n);
  }
  for (const n of needs) {
    const code = await tryBind(n);
    if (!code) continue;
    const why =
      code === 'EADDRINUSE'
        ? `is taken${holderOf(n) ? ` by ${holderOf(n)}` : ''}`
        : `cannot be bound (${code}${code === 'EADDRNOTAVAIL' ? `: ${n.host} is not an address of this host` : ''})`;
    taken.push(`  port ${n.port}/${n.proto} on ${n.host} (${n.what}) ${why}: free it or set ${n.env}`);
  }
  if (taken.length)
    throw new PreflightError(
      `the stack cannot start, ${taken.length} port(s) it needs are not free:\n${taken.join('\n')}`,
    );
}

/** The stack process recorded in the pid file, when it still runs (a demo from this state dir). */
export function runningStack(pidFilePath: string): PidEntry | undefined {
  if (!existsSync(pidFilePath)) return undefined;
  try {
    const entries = JSON.parse(readFileSync(pidFilePath, 'utf8')) as PidEntry[];
    return entries.find(
      (e) => e.name === STACK_ENTRY && e.pid !== process.pid && cmdlineOf(e.pid)?.startsWith(e.cmd),
    );
  } catch {
    return undefined;
  }
}

/** The pid file's entry for the stack process itself (its children are the other entries). */
export const STACK_ENTRY = 'stack';

/** Throws PreflightError when a demo stack runs from this state dir. */
export function checkNoRunningStack(pidFilePath: string): void {
  const other = runningStack(pidFilePath);
  if (other)
    throw new PreflightError(
      `a demo stack is already running (pid ${other.pid}, recorded in ${pidFilePath}): ` +
        `use it, or stop it first (Ctrl-C in its terminal, or kill ${other.pid})`,
    );
}
