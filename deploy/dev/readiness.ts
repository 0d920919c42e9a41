/**
 * When the dev stack counts a child as ready: the child itself holds its port (never another process
 * answering there, e.g. a first demo's) and, for a service, answers /readyz with 200. Any child the
 * stack started that exits meanwhile fails the start at once, with that child's output.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedChild } from '@hcc/shared';
import { ownsListener } from './own-listener.ts';

export class ChildReadiness {
  constructor(
    private readonly children: readonly ManagedChild[],
    private readonly host: string,
  ) {}

  /** Throws when a child has exited: its name, exit code or signal, and its last output lines. */
  assertAllAlive(): void {
    for (const child of this.children)
      if (child.process.exitCode !== null || child.process.signalCode !== null)
        throw new Error(
          `${child.name} exited (${child.process.exitCode ?? child.process.signalCode}) during the start:\n${child.tail()}`,
        );
  }

  /** Polls `probe` until true; a child's exit fails at once, the deadline after timeoutMs. */
  async until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertAllAlive();
      if (
        await Promise.resolve()
          .then(probe)
          .catch(() => false)
      )
        return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  /** Until the child itself listens on the port. */
  listening(child: ManagedChild, port: number, timeoutMs: number, proto: 'tcp' | 'udp' = 'tcp') {
    return this.until(
      `${child.name} listening on ${port}/${proto}`,
      () => ownsListener(child.pid, port, proto),
      timeoutMs,
      100,
    );
  }

  /** Until the child holds its HTTP port and answers /readyz with 200 there. */
  async ready(child: ManagedChild, port: number, timeoutMs: number): Promise<void> {
    await this.listening(child, port, timeoutMs);
    await this.until(
      `${child.name} /readyz`,
      async () =>
        (await fetch(`http://${this.host}:${port}/readyz`)).status === 200 && ownsListener(child.pid, port),
      timeoutMs,
      250,
    );
  }
}
