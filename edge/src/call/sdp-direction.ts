/** The little SDP logic of hold/resume re-INVITEs (RFC 3264 §8.4): read the offer's direction, write the answer's. */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The audio direction an offer asks for; `c=0.0.0.0` (RFC 2543 hold) counts as sendonly. */
export function offerDirection(sdp: string): Direction {
  const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(audioSection(sdp));
  const session = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp.split(/^m=/m)[0] ?? '');
  if (/^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp)) return 'sendonly';
  return ((m ?? session)?.[1] as Direction | undefined) ?? 'sendrecv';
}

/** Whether an offer with this direction puts us on hold. */
export const isHold = (d: Direction): boolean => d === 'sendonly' || d === 'inactive';

/** RFC 3264 §6.1: the answer to sendonly is recvonly, to recvonly sendonly, otherwise the same. */
export function answerFor(d: Direction): Direction {
  if (d === 'sendonly') return 'recvonly';
  if (d === 'recvonly') return 'sendonly';
  return d;
}

/** `sdp` with its audio direction replaced and the origin version set to `version`. */
export function withDirection(sdp: string, dir: Direction, version: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/).filter((l) => !/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(l));
  const out: string[] = [];
  let inAudio = false;
  for (const l of lines) {
    if (l.startsWith('o=')) {
      const p = l.split(' ');
      if (p.length >= 6) p[2] = String(version);
      out.push(p.join(' '));
      continue;
    }
    if (l.startsWith('m=')) {
      if (inAudio) out.push(`a=${dir}`);
      inAudio = l.startsWith('m=audio');
    }
    if (l === '' && inAudio) {
      out.push(`a=${dir}`);
      inAudio = false;
    }
    out.push(l);
  }
  if (inAudio) out.push(`a=${dir}`);
  return out.join(eol);
}

function audioSection(sdp: string): string {
  const i = sdp.search(/^m=audio/m);
  if (i < 0) return '';
  const rest = sdp.slice(i);
  const next = rest.slice(1).search(/^m=/m);
  return next < 0 ? rest : rest.slice(0, next + 1);
}
