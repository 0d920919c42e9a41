/**
 * rtpengine's pcap recording layout (`--recording-method=pcap`, learnt from 10.5's real files):
 *   <dir>/pcaps/<call-id>-<16 hex>.pcap             received packets of every leg, link type raw IPv4
 *   <dir>/metadata/rtpengine-meta-<call-id>-<16 hex>.txt
 * The metadata starts with the pcap path, then one block per SDP rtpengine produced:
 *   [Label: <label>]  Timestamp started ms: ...  SDP mode: offer|answer  SDP before RTP packet: n  <SDP>
 * and ends with "call start time" / "call end time" once the call is gone. The SDP of an `answer` block went
 * to the caller, so packets to its ports come from the caller; `offer` blocks went to a branch (the agents).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MetadataSdp {
  mode: 'offer' | 'answer';
  label: string | undefined;
  /** rtpengine's local ports named in the SDP (m= and a=rtcp). */
  ports: number[];
}

export interface RecordingMetadata {
  pcapPath: string | undefined;
  sdps: MetadataSdp[];
  /** True once rtpengine wrote the call end time (the pcap is closed). */
  finished: boolean;
}

export function parseMetadata(text: string): RecordingMetadata {
  const lines = text.split(/\r?\n/);
  const sdps: MetadataSdp[] = [];
  let label: string | undefined;
  let current: MetadataSdp | undefined;
  for (const line of lines) {
    const labelMatch = /^Label: (.*)$/.exec(line);
    if (labelMatch) {
      label = labelMatch[1];
      continue;
    }
    const mode = /^SDP mode: (offer|answer)/.exec(line);
    if (mode) {
      current = { mode: mode[1] as 'offer' | 'answer', label, ports: [] };
      sdps.push(current);
      label = undefined;
      continue;
    }
    if (!current) continue;
    const m = /^m=\w+ (\d+) /.exec(line);
    if (m) current.ports.push(Number(m[1]));
    const rtcp = /^a=rtcp:(\d+)/.exec(line);
    if (rtcp) current.ports.push(Number(rtcp[1]));
  }
  const first = lines[0]?.trim();
  return {
    pcapPath: first?.endsWith('.pcap') ? first : undefined,
    sdps,
    finished: /^call end time:/m.test(text),
  };
}

/** rtpengine's local ports facing the caller and facing the branches. */
export function portsBySide(meta: RecordingMetadata): { caller: Set<number>; agent: Set<number> } {
  const caller = new Set<number>();
  const agent = new Set<number>();
  for (const s of meta.sdps) for (const p of s.ports) (s.mode === 'answer' ? caller : agent).add(p);
  return { caller, agent };
}

export interface RecordingFiles {
  pcapPath: string;
  metadataPath: string;
  metadata: RecordingMetadata;
}

/** Finds a call's recording in `--recording-dir`; undefined until rtpengine has finished it. */
export async function findRecording(
  recordingDir: string,
  callId: string,
): Promise<RecordingFiles | undefined> {
  const metaDir = join(recordingDir, 'metadata');
  const prefix = `rtpengine-meta-${callId}-`;
  const names = (await readdir(metaDir).catch(() => [] as string[])).filter(
    (n) => n.startsWith(prefix) && /^[0-9a-f]+\.txt$/.test(n.slice(prefix.length)),
  );
  for (const name of names) {
    const metadataPath = join(metaDir, name);
    const metadata = parseMetadata(await readFile(metadataPath, 'utf8'));
    if (!metadata.finished) continue;
    const pcapPath =
      metadata.pcapPath ?? join(recordingDir, 'pcaps', `${name.slice('rtpengine-meta-'.length, -4)}.pcap`);
    return { pcapPath, metadataPath, metadata };
  }
  return undefined;
}
