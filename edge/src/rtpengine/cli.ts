/**
 * `hcc-edge rtpengine`: runs the site's rtpengine with the flags of rtpengineArgs, from the same
 * environment as the edge (/etc/hcc/edge.env): media on EDGE_RTP_HOST, EDGE_PUBLIC_ADDRESS written
 * into SDP (`--interface=<local>!<public>`), the ng socket of the first EDGE_RTPENGINE_NG entry,
 * EDGE_MEDIA_PORT_MIN/MAX, DTMF events to EDGE_MEDIA_HOST:EDGE_DTMF_PORT and pcap recordings into
 * EDGE_DATA_DIR/recordings-spool, the media timeouts of EDGE_MEDIA_TIMEOUT_S / EDGE_MEDIA_HOLD_TIMEOUT_S /
 * EDGE_MEDIA_FINAL_TIMEOUT_S. `--print` prints the command instead of running it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, envReader, rtpengineArgs } from '@hcc/shared';
import { edgeSettings } from '../settings.ts';

export function rtpengineCommand(env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  const settings = edgeSettings(env);
  const e = envReader(env);
  const ng = settings.rtpengines[0];
  if (!ng) throw new ConfigError('EDGE_RTPENGINE_NG names no rtpengine');
  const recordingDir = join(settings.dataDir, 'recordings-spool');
  return {
    command: e.str('EDGE_RTPENGINE_BIN', 'rtpengine'),
    args: rtpengineArgs({
      rtpHost: settings.network.rtpHost,
      advertisedAddress: settings.network.publicAddress,
      ng,
      portMin: e.port('EDGE_MEDIA_PORT_MIN', 30000),
      portMax: e.port('EDGE_MEDIA_PORT_MAX', 34999),
      dtmf: { host: settings.mediaHost, port: settings.dtmfPort },
      recordingDir,
      timeouts: {
        mediaS: settings.hungCalls.mediaTimeoutS,
        holdS: settings.hungCalls.holdTimeoutS,
        finalS: settings.hungCalls.finalTimeoutS,
      },
    }),
  };
}

export async function runRtpengine(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { print: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const { command, args } = rtpengineCommand();
  const all = [...args, ...positionals];
  if (values.print) {
    process.stdout.write(`${[command, ...all].join(' ')}\n`);
    return 0;
  }
  mkdirSync(join(edgeSettings().dataDir, 'recordings-spool'), { recursive: true });
  const child = spawn(command, all, { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      resolve(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1)),
    );
  });
}
