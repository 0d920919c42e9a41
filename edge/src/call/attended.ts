/**
 * Attended transfer (REFER with Replaces, RFC 3891): agent A consulted agent B on a second call
 * through the edge and now hands the customer over. The edge re-offers the customer's media for a
 * new branch, re-INVITEs B with it (B keeps its dialog), answers the branch with B's SDP (which
 * drops A's branch), then hangs up A on both calls and ends the consultation's media.
 */
import { Channel, TransferKind } from '@hcc/proto';
import type { CallSession } from './session.ts';
import type { PeerLeg } from './types.ts';

export async function attendedTransfer(
  s: CallSession,
  leg: PeerLeg,
  r: { callId: string; toTag: string; fromTag: string },
): Promise<boolean> {
  const { svc } = s;
  const found = svc.consults.byDialogId(r.callId, r.toTag, r.fromTag);
  const consult = found?.call;
  const b = consult?.bDialog;
  if (!consult || !b || s.peers.current !== leg) return false;
  const bAgent = consult.to;
  try {
    const branch = await s.media.connectBranch({ webrtc: false });
    const res = await b.request('INVITE', { body: branch.sdp, contentType: 'application/sdp' });
    if (res.status < 200 || res.status >= 300) {
      s.log.warn({ status: res.status }, 'attended transfer: target refused the re-INVITE');
      return false;
    }
    await s.media.answerBranch(res.body.toString('utf8'));
    await consult.release();
    const bLeg: PeerLeg = {
      role: 'agent',
      agentId: bAgent.id,
      dialog: b,
      record: s.cdr.leg({ role: 'agent', agentId: bAgent.id, target: 'consult', sipCallId: b.id.callId }),
      localSdp: branch.sdp,
      sdpVersion: 1,
      viaAcd: false,
    };
    s.cdr.legAnswered(bLeg.record, res.status);
    svc.registry.bind(b, s, bLeg);
    // B now works on this interaction (ON_CALL) until the conversation ends.
    const a = svc.agents.find(bAgent.id);
    if (a?.isAvailable(Channel.VOICE)) {
      const id = s.interactionId;
      svc.agents.reserve(bAgent.id, {
        interactionId: id,
        channel: Channel.VOICE,
        queueId: '',
        configVersion: s.ref.configVersion,
      });
      svc.agents.ringing(bAgent.id, id);
      svc.agents.answered(bAgent.id, id);
    } else bLeg.workEnded = true;
    s.peers.handOver(leg, bLeg);
    s.cdr.transferCount++;
    s.cdr.step('transferred', { kind: 'attended', from: leg.agentId, to: bAgent.id });
    svc.observer.emit('transferred', {
      ...s.ref,
      kind: TransferKind.ATTENDED,
      fromAgentId: leg.agentId,
      target: { case: 'agentId', value: bAgent.id },
    });
    return true;
  } catch (err) {
    s.log.error({ err: String(err) }, 'attended transfer failed');
    return false;
  }
}
