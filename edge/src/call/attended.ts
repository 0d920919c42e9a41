/**
 * Attended transfer (REFER with Replaces, RFC 3891): the agent consulted another party on a second
 * call through the edge and now hands the caller over to that party.
 */
import type { CallSession } from './session.ts';
import type { PeerLeg } from './types.ts';

export async function attendedTransfer(
  s: CallSession,
  _leg: PeerLeg,
  r: { callId: string; toTag: string; fromTag: string },
): Promise<boolean> {
  const consult = s.svc.registry.byDialogId(r.callId, r.toTag, r.fromTag);
  if (!consult) return false;
  return false;
}
