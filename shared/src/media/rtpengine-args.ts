/**
 * The one rtpengine command line of an edge site (the measured recipe of the architecture notes):
 * userspace forwarding, the ng control socket, the media port range, DTMF events to the edge, pcap
 * recordings into the edge's spool. Used by `hcc-edge rtpengine` (the installed unit), the dev stack
 * and the tests, so the flags exist once (here, beside the nats-server config renderers).
 */

export interface RtpengineLaunch {
  /** The address rtpengine receives media on. */
  rtpHost: string;
  /** Written into SDP instead of rtpHost (behind NAT): `--interface=<rtpHost>!<advertised>`. */
  advertisedAddress?: string | undefined;
  ng: { host: string; port: number };
  portMin: number;
  portMax: number;
  /** Where DTMF events go (the edge's DtmfListener). */
  dtmf?: { host: string; port: number } | undefined;
  recordingDir?: string | undefined;
  /**
   * rtpengine deletes a call that received no media for `mediaS` seconds (`--timeout`, default 60), or
   * `holdS` (`--silent-timeout`, default 3600) when its media is on hold; the edge notices and ends the
   * session (EDGE_MEDIA_TIMEOUT_S, EDGE_MEDIA_HOLD_TIMEOUT_S). `finalS` > 0 deletes any call after that long
   * (`--final-timeout`, default off).
   */
  timeouts?: { mediaS?: number; holdS?: number; finalS?: number } | undefined;
  /** rtpengine --log-level (default 5). */
  logLevel?: number;
  /** Options appended last (benchmarks compare thread settings). */
  extra?: readonly string[];
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** `--interface` value: the local address, and the advertised one after `!` when it differs. */
export function rtpengineInterface(rtpHost: string, advertised?: string): string {
  return advertised && advertised !== rtpHost ? `${rtpHost}!${advertised}` : rtpHost;
}

/** `--timeout`, `--silent-timeout` and (when set) `--final-timeout` of rtpengineArgs. */
export function timeoutArgs(t: RtpengineLaunch['timeouts'] = {}): string[] {
  const media = t.mediaS ?? 60;
  const hold = t.holdS ?? 3600;
  for (const [name, v] of [
    ['media', media],
    ['hold', hold],
  ] as const)
    if (!(Number.isInteger(v) && v > 0))
      throw new RangeError(`rtpengine ${name} timeout ${v}: not a whole number of seconds`);
  return [
    `--timeout=${media}`,
    `--silent-timeout=${hold}`,
    ...(t.finalS && t.finalS > 0 ? [`--final-timeout=${t.finalS}`] : []),
  ];
}

export function rtpengineArgs(o: RtpengineLaunch): string[] {
  if (!(o.portMin > 0 && o.portMax >= o.portMin && o.portMax <= 65535))
    throw new RangeError(`rtpengine media ports ${o.portMin}-${o.portMax}: not a port range`);
  return [
    // Otherwise rtpengine silently loads the package's default config file.
    '--config-file=none',
    '--foreground',
    '--table=-1',
    `--interface=${rtpengineInterface(o.rtpHost, o.advertisedAddress)}`,
    `--listen-ng=${hostPort(o.ng.host, o.ng.port)}`,
    `--port-min=${o.portMin}`,
    `--port-max=${o.portMax}`,
    ...(o.dtmf ? [`--dtmf-log-dest=${hostPort(o.dtmf.host, o.dtmf.port)}`] : []),
    ...(o.recordingDir ? [`--recording-dir=${o.recordingDir}`, '--recording-method=pcap'] : []),
    '--delete-delay=0',
    ...timeoutArgs(o.timeouts),
    // Prompts and music on one playback thread cost a fifth to a third less CPU per call than one per
    // core on 2 cores (edge/bench/rtpengine-ops.ts).
    '--media-num-threads=1',
    '--log-stderr',
    `--log-level=${o.logLevel ?? 5}`,
    ...(o.extra ?? []),
  ];
}
