/**
 * Attended transfer (REFER with Replaces, RFC 3891): agent A consulted agent B (or an outside
 * number, B then being the carrier's dialog) on a second call through the edge and now hands the
 * customer over. The edge re-offers the customer's media for a
 * new branch and gives it to B: a SIP phone is re-INVITEd on its consultation dialog (B keeps its
 * dialog); a browser gets a new INVITE with `Replaces` naming that dialog (a fresh peer connection:
 * Chrome would keep the old DTLS association on a re-INVITE towards another rtpengine call) and
 * hangs the old one up itself. The branch is answered with B's SDP (which drops A's branch), then
 * A is hung up on both calls and the consultation's media ends.
 */
import { Channel, TransferKind } from '@hcc/proto';
import { type Dialog, SipRequest } from '../sip/index.ts';
import { answererSdp } from './browser-device.ts';
import type { ConsultCall } from './consult.ts';
import { dial } from './dialer.ts';
import { callerIdentity, compose, type HeaderRule, interactionHeader } from './headers.ts';
import type { CallSession } from './session.ts';
import type { PeerLeg } from './types.ts';

/** The Replaces header (RFC 3891 §6.1) naming a dialog of the edge's as the recipient sees it. */
export const replacesHeader =
  (d: Dialog): HeaderRule =>
  (req) => {
    const h = req.headers.clone();
    h.set('Replaces', `${d.id.callId};to-tag=${d.id.remoteTag};from-tag=${d.id.localTag}`);
    return new SipRequest(req.method, req.uriString, h, req.body);
  };

type Joined = { dialog: Dialog; status: number; localSdp: string };

/** B's phone (or trunk): re-INVITE on the consultation dialog with the customer's new branch. */
async function reinviteB(s: CallSession, b: Dialog, srtp: boolean): Promise<Joined | undefined> {
  const branch = await s.media.connectBranch({ webrtc: false, srtp });
  const res = await b.request('INVITE', { body: branch.sdp, contentType: 'application/sdp' });
  if (res.status < 200 || res.status >= 300) {
    s.log.warn({ status: res.status }, 'attended transfer: target refused the re-INVITE');
    return undefined;
  }
  await s.media.answerBranch(res.body.toString('utf8'));
  return { dialog: b, status: res.status, localSdp: branch.sdp };
}

/** B's browser: a new INVITE with Replaces (the page answers it at once and drops the old call). */
async function replaceB(s: CallSession, consult: ConsultCall, b: Dialog): Promise<Joined | undefined> {
  const target = consult.bTarget;
  if (!target) return undefined;
  const branch = await s.media.connectBranch({ webrtc: true });
  const r = await dial(s.svc.stack, {
    targets: [target],
    fromUser: s.setup.callerNumber ?? 'anonymous',
    fromHost: s.svc.sipHost,
    sdp: branch.sdp,
    signal: AbortSignal.any([s.signal, AbortSignal.timeout(10_000)]),
    rules: compose(
      interactionHeader(s.interactionId),
      callerIdentity({ number: s.setup.callerNumber, host: s.svc.sipHost }),
      replacesHeader(b),
    ),
  });
  if (r.kind === 'failed') {
    s.log.warn({ status: r.status }, 'attended transfer: the browser refused the replacing INVITE');
    return undefined;
  }
  try {
    await s.media.answerBranch(r.response.body.toString('utf8'));
  } catch (err) {
    // The browser already dropped its consultation for this call: do not leave it on a silent one.
    r.ack();
    void r.dialog.bye().catch(() => undefined);
    throw err;
  }
  r.ack();
  return { dialog: r.dialog, status: r.response.status, localSdp: answererSdp(branch.sdp) };
}

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
  const browser = consult.bTarget?.webrtc === true;
  let released = false;
  try {
    const joined = browser
      ? await replaceB(s, consult, b)
      : await reinviteB(s, b, consult.bTarget?.srtp === true);
    if (!joined) {
      // B refused: the customer stays with A (on hold), A keeps the consultation.
      await s.media.abandonBranch();
      return false;
    }
    await consult.release(browser);
    released = true;
    // B is an agent, or an outside party reached through the trunk (a consulted number).
    const role = bAgent ? 'agent' : 'external';
    const bLeg: PeerLeg = {
      role,
      agentId: bAgent?.id ?? '',
      dialog: joined.dialog,
      record: s.cdr.leg({
        role,
        agentId: bAgent?.id ?? '',
        target: bAgent ? 'consult' : (consult.bTarget?.uri ?? 'consult'),
        sipCallId: joined.dialog.id.callId,
      }),
      localSdp: joined.localSdp,
      sdpVersion: 1,
      viaAcd: false,
    };
    s.cdr.legAnswered(bLeg.record, joined.status);
    svc.registry.bind(joined.dialog, s, bLeg);
    // An agent B now works on this interaction (ON_CALL) until the conversation ends. B picked from
    // a queue leaves the consultation's work item first; the ACD dispatches only at the batch's end,
    // so no waiting call can take B in between.
    svc.acd.batch(() => {
      consult.work?.end();
      const a = bAgent && svc.agents.find(bAgent.id);
      if (bAgent && a?.isAvailable(Channel.VOICE)) {
        const id = s.interactionId;
        svc.agents.reserve(bAgent.id, {
          interactionId: id,
          channel: Channel.VOICE,
          queueId: consult.work?.queue.id ?? '',
          configVersion: s.ref.configVersion,
        });
        svc.agents.ringing(bAgent.id, id);
        svc.agents.answered(bAgent.id, id);
      } else bLeg.workEnded = true;
    });
    s.peers.handOver(leg, bLeg);
    s.cdr.transferCount++;
    s.cdr.step('transferred', { kind: 'attended', from: leg.agentId, to: bAgent?.id ?? 'external' });
    svc.observer.emit('transferred', {
      ...s.ref,
      kind: TransferKind.ATTENDED,
      fromAgentId: leg.agentId,
      target: bAgent ? { case: 'agentId', value: bAgent.id } : { case: 'external', value: true },
    });
    return true;
  } catch (err) {
    s.log.error({ err: (err as Error).name }, 'attended transfer failed');
    // Once released, the consultation no longer ends B's work item itself.
    if (released) consult.work?.end();
    await s.media.abandonBranch().catch(() => undefined);
    return false;
  }
}
