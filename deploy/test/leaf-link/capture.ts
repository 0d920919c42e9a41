import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { readTcpFlows, type TcpFlow } from './pcap.ts';

/** A `tcpdump` capture of one TCP port on the loopback interface (needs root and Debian's tcpdump). */
export class LoopbackCapture {
  private readonly dir = mkdtempSync(join(tmpdir(), 'hcc-capture-'));
  readonly file = join(this.dir, 'link.pcap');
  private child: ManagedChild | undefined;

  /** tcpdump's closing lines (packets captured, dropped by the kernel). */
  summary = '';

  constructor(private readonly port: number) {}

  async start(): Promise<void> {
    this.child = startChild({
      name: 'tcpdump',
      command: 'tcpdump',
      // --immediate-mode: hand over each packet at once (else libpcap delivers blocks up to a second
      // late, and packets still in the kernel buffer at SIGTERM are lost); -U: write each packet as
      // it arrives; -s 0: whole packets; -n: no name lookups.
      args: ['-i', 'lo', '-n', '--immediate-mode', '-U', '-s', '0', '-w', this.file, `tcp port ${this.port}`],
      logFile: join(this.dir, 'tcpdump.log'),
    });
    const child = this.child;
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
   * Stops the capture and returns the flows it saw. tcpdump drains the kernel's buffer
   * asynchronously: wait until the file has stopped growing (no packet for 500 ms) first.
   */
  async stop(): Promise<TcpFlow[]> {
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      'capture file settled',
      async () => {
        const size = statSync(this.file).size;
        if (size !== last) {
          last = size;
          stableSince = Date.now();
        }
        return Date.now() - stableSince >= 500;
      },
      15_000,
      100,
    );
    const child = this.child;
    await child?.stop();
    this.child = undefined;
    this.summary = child?.tail() ?? '';
    return readTcpFlows(this.file);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
