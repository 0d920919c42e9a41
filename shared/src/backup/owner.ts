/**
 * Who owns restored files. A restore run as root into a service's directories hands the files to
 * the service's user: the owner of the directory they go into, or the `hcc` system user the
 * packages create. Run as another user, files keep that user.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface Owner {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/** The owner of an existing path when we are root and it is not root's; otherwise undefined. */
export async function fileOwner(path: string): Promise<Owner | undefined> {
  if (!isRoot()) return undefined;
  const st = await stat(path).catch(() => undefined);
  if (!st || st.uid === 0) return undefined;
  return { uid: st.uid, gid: st.gid };
}

/** The `hcc` system user when it exists and we are root (files then get chowned to it). */
export function hccUser(passwd = '/etc/passwd'): Owner | undefined {
  if (!isRoot()) return undefined;
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'hcc' && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
