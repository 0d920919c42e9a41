/** Starts a real rtpengine (userspace, loopback) for integration tests, with its own ports and temp dirs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RtpengineLaunch, timeoutArgs } from '@hcc/shared';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { NgClient } from '../../src/media/index.ts';

export interface RtpengineFixture {
  child: ManagedChild;
  ngPort: number;
  portMin: number;
  portMax: number;
  recordingDir: string;
  client: NgClient;
  stop(): Promise<void>;
}

/** A random block of 200 media ports below the ephemeral range, so parallel test files rarely collide. */
function mediaPortBlock(): { portMin: number; portMax: number } {
  const portMin = 20000 + Math.floor(Math.random() * 50) * 200;
  return { portMin, portMax: portMin + 199 };
}

export async function startRtpengine(
  opts: {
    dtmfPort?: number;
    name?: string;
    portMin?: number;
    portMax?: number;
    /** rtpengine --log-level (default 5); load tests use 3 so logging never throttles it. */
    logLevel?: number;
    ngTimeoutMs?: number;
    /** --timeout / --silent-timeout / --final-timeout as the site's rtpengine gets them (default 60 / 3600 / off). */
    timeouts?: RtpengineLaunch['timeouts'];
    /** More rtpengine options (benchmarks try thread and timer settings). */
    extraArgs?: string[];
  } = {},
): Promise<RtpengineFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hcc-rtpengine-'));
  const recordingDir = join(dir, 'rec');
  const ngPort = await freePort();
  const block = mediaPortBlock();
  const portMin = opts.portMin ?? block.portMin;
  const portMax = opts.portMax ?? block.portMax;
  const args = [
    '--config-file=none',
    '--foreground',
    '--table=-1',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`,
    `--port-min=${portMin}`,
    `--port-max=${portMax}`,
    `--recording-dir=${recordingDir}`,
    '--recording-method=pcap',
    '--log-stderr',
    `--log-level=${opts.logLevel ?? 5}`,
    '--no-log-timestamps',
    // As the README recommends for a site: prompts and music on one playback thread cost a fifth to a
    // third less CPU per call than one per core (edge/bench/rtpengine-ops.ts).
    '--media-num-threads=1',
    ...timeoutArgs(opts.timeouts),
    ...(opts.extraArgs ?? []),
  ];
  if (opts.dtmfPort !== undefined) args.push(`--dtmf-log-dest=127.0.0.1:${opts.dtmfPort}`);
  const child = startChild({ name: opts.name ?? 'rtpengine', command: 'rtpengine', args });
  const client = await NgClient.create({
    host: '127.0.0.1',
    port: ngPort,
    timeoutMs: opts.ngTimeoutMs ?? 300,
    retries: 3,
  });
  try {
    await waitFor(
      'rtpengine ping',
      async () => {
        await client.ping({ timeoutMs: 200, retries: 0 });
        return true;
      },
      15_000,
      100,
    );
  } catch (err) {
    client.close();
    await child.stop();
    throw new Error(`rtpengine did not start:\n${child.tail()}`, { cause: err });
  }
  return {
    child,
    ngPort,
    portMin,
    portMax,
    recordingDir,
    client,
    async stop() {
      client.close();
      await child.stop(3000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
