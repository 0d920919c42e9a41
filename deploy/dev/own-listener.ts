/**
 * Whether a listening socket belongs to a given process (Linux /proc): the dev stack counts a child as
 * ready only when the child itself holds its port, never because another process answers there.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes listening on `port` (TCP in LISTEN state, or bound UDP). */
function listeningInodes(port: number, proto: 'tcp' | 'udp'): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (field 9)
      if (f.length < 10 || !f[1]?.endsWith(`:${hexPort}`)) continue;
      if (proto === 'tcp' && f[3] !== '0A') continue;
      inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** True when process `pid` has a socket listening on `port`. */
export function ownsListener(pid: number, port: number, proto: 'tcp' | 'udp' = 'tcp'): boolean {
  const inodes = listeningInodes(port, proto);
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}
