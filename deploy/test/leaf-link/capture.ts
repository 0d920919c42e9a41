import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { capturedPorts, readTcpFlows, type TcpFlow } from './pcap.ts';

/** A `tcpdump` capture of one TCP port on the loopback interface (needs root and Debian's tcpdump). */
export class LoopbackCapture {
  private readonly dir = mkdtempSync(join(tmpdir(), 'hcc-capture-'));
  readonly file = join(this.dir, 'link.pcap');
  private child: ManagedChild | undefined;
  /** tcpdump's closing lines (packets captured, dropped by the kernel). */
  summary = '';

  constructor(private readonly port: number) {}

  async start(): Promise<void> {
    const child = startChild({
      name: 'tcpdump',
      command: 'tcpdump',
      // --immediate-mode: hand over each packet at once (else libpcap delivers blocks up to a second
      // late); -U: write each packet as it arrives; -s 0: whole packets; -n: no name lookups.
      args: ['-i', 'lo', '-n', '--immediate-mode', '-U', '-s', '0', '-w', this.file, `tcp port ${this.port}`],
      logFile: join(this.dir, 'tcpdump.log'),
    });
    this.child = child;
    await waitFor(
      'tcpdump listening',
      async () => {
        if (child.process.exitCode !== null) throw new Error(`tcpdump exited:\n${child.tail()}`);
        return child.tail().includes('listening on lo');
      },
      10_000,
      50,
    );
  }

  /**
   * Stops the capture and returns the flows it saw. tcpdump writes packets a little after they
   * pass: first a sentinel connection to the port, then wait until the file holds it (packets are
   * written in order, so everything before it is in the file too).
   */
  async stop(): Promise<TcpFlow[]> {
    const sentinel = createConnection({ host: '127.0.0.1', port: this.port });
    await once(sentinel, 'connect');
    const sentinelPort = sentinel.localPort;
    sentinel.destroy();
    await waitFor(
      'capture caught up',
      async () => capturedPorts(this.file).has(sentinelPort ?? -1),
      15_000,
      50,
    );
    const child = this.child;
    this.child = undefined;
    await child?.stop();
    this.summary = child?.tail() ?? '';
    return readTcpFlows(this.file);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
