/**
 * In-dialog requests of the legs a session owns: BYE ends a side, INFO carries DTMF, a re-INVITE
 * holds or resumes, REFER transfers (blind, or attended with Replaces). Requests of dialogs the
 * call layer does not own fall through to the next handler.
 */
import { TransferKind } from '@hcc/proto';
import { type Handler, type ServerRequest, SipError } from '../sip/index.ts';
import type { ConsultCall } from './consult.ts';
import { digitFromInfo } from './digits.ts';
import type { TransferTargetRef } from './events.ts';
import type { CallSession } from './session.ts';
import { answerHeaders, negotiate, tooSmallHeaders } from './session-timer.ts';
import { parseReferTo } from './transfer.ts';
import { srtpRefusal } from './trunk-route.ts';
import type { CallServices, LegRef, PeerLeg, Step } from './types.ts';

export function inDialogRequests(svc: Pick<CallServices, 'registry' | 'consults'>): Handler {
  return async function inDialog(req, next) {
    const d = req.dialog;
    const consult = d && svc.consults.byDialog(d);
    if (consult) return consultRequest(consult.call, consult.side, req);
    const owner = d && svc.registry.byDialog(d);
    if (!owner) return next();
    const { session, leg } = owner;
    switch (req.method) {
      case 'BYE':
        req.reply(200);
        if (leg === 'caller') session.callerHungUp();
        else session.peerHungUp(leg);
        return;
      case 'INFO': {
        const digit = digitFromInfo(req.message.contentType, req.message.body.toString('utf8'));
        req.reply(200);
        if (digit && leg === 'caller') session.digits.push(digit);
        return;
      }
      case 'INVITE':
        return reinvite(session, leg, req);
      case 'REFER':
        if (leg === 'caller') throw new SipError(403, 'Forbidden');
        return refer(session, leg, req);
      case 'ACK':
        return;
      case 'UPDATE':
        req.reply(200, leg === 'caller' ? { headers: refreshTimer(session, req) } : {});
        return;
      case 'OPTIONS':
      case 'NOTIFY':
        req.reply(200);
        return;
      default:
        throw new SipError(405, 'Method Not Allowed');
    }
  };
}

/** In-dialog requests of a consultation call: BYE ends it; anything else is acknowledged. */
function consultRequest(call: ConsultCall, side: 'a' | 'b', req: ServerRequest): void {
  if (req.method === 'ACK') return;
  if (req.method === 'INVITE') {
    const sdp = side === 'a' ? call.media.callerSdp : undefined;
    req.reply(200, sdp ? { body: sdp, contentType: 'application/sdp' } : {});
    return;
  }
  req.reply(200);
  if (req.method === 'BYE') void call.hangup(side);
}

async function reinvite(session: CallSession, leg: LegRef, req: ServerRequest): Promise<void> {
  if (leg === 'caller') {
    // A session refresh keeps the media; new media (the carrier moved its address or port) is
    // re-offered to rtpengine on the caller's side. The edge's own address never changes.
    const timerHeaders = refreshTimer(session, req);
    const offer = req.message.body.toString('utf8');
    let sdp = session.media.callerSdp;
    if (offer && req.message.contentType?.toLowerCase() === 'application/sdp' && !session.ended) {
      // The trunk's SRTP policy holds for the whole call, not only its first offer.
      const refused = srtpRefusal(
        session.bundle.trunks.find((t) => t.id === session.trunkId),
        offer,
      );
      if (refused) throw new SipError(488, refused);
      try {
        const before = sdp;
        sdp = await session.media.updateCaller(offer);
        if (sdp !== before) session.cdr.step('caller-media-updated');
      } catch (err) {
        session.log.warn({ err: String(err) }, 'caller re-INVITE not applied');
        throw new SipError(488, 'Not Acceptable Here');
      }
    }
    req.reply(200, {
      headers: timerHeaders,
      ...(sdp ? { body: sdp, contentType: 'application/sdp' } : {}),
    });
    return;
  }
  await session.peers.reinvite(leg, req);
}

/**
 * A re-INVITE or UPDATE from the caller refreshes its session timer (RFC 4028 §9): 422 below our Min-SE, else
 * the timer restarts with the new terms (the current ones when the request names none) and the 2xx says so.
 */
function refreshTimer(session: CallSession, req: ServerRequest): Array<[string, string]> {
  const timer = session.sessionTimer;
  if (!timer) return [];
  const minSeS = session.svc.minSessionExpiresS ?? 90;
  const trunk = session.bundle.trunks.find((t) => t.id === session.trunkId);
  const n = negotiate(req.message, trunk?.sessionExpiresSeconds ?? 0, minSeS);
  if (n.kind === 'too-small')
    throw new SipError(422, 'Session Interval Too Small', { headers: tooSmallHeaders(n.minSeS) });
  const terms = n.kind === 'timer' ? n.terms : timer.current;
  timer.refreshed(terms);
  return answerHeaders(terms);
}

const targetRef = (s: Extract<Step, { kind: 'agent' | 'queue' | 'external' }>): TransferTargetRef =>
  s.kind === 'agent'
    ? { case: 'agentId', value: s.agentId }
    : s.kind === 'queue'
      ? { case: 'queueId', value: s.queueId }
      : { case: 'external', value: true };

async function refer(session: CallSession, leg: PeerLeg, req: ServerRequest): Promise<void> {
  if (session.peers.current !== leg) throw new SipError(481, 'Call/Transaction Does Not Exist');
  const target = parseReferTo(req.message.headers.get('refer-to') ?? '', session.bundle);
  if (!target) throw new SipError(404, 'Transfer target not found');
  if (target.kind === 'step' && target.step.kind === 'external') checkReferDial(session, leg, target.step);
  req.reply(202);
  const notify = (frag: string) =>
    leg.dialog
      .request('NOTIFY', {
        headers: [
          ['Event', 'refer'],
          ['Subscription-State', 'terminated;reason=noresource'],
        ],
        body: `${frag}\r\n`,
        contentType: 'message/sipfrag;version=2.0',
      })
      .catch(() => undefined);
  if (target.kind === 'replaces') {
    const ok = await session.peers.attendedTransfer(leg, target);
    await notify(ok ? 'SIP/2.0 200 OK' : 'SIP/2.0 503 Service Unavailable');
    if (ok && leg.dialog.state !== 'terminated') void leg.dialog.bye().catch(() => undefined);
    return;
  }
  session.cdr.transferCount++;
  session.cdr.step('transferred', { kind: 'blind', from: leg.agentId, to: target.step.kind });
  session.svc.observer.emit('transferred', {
    ...session.ref,
    kind: TransferKind.BLIND,
    fromAgentId: leg.agentId,
    target: targetRef(target.step),
  });
  await notify('SIP/2.0 200 OK');
  await session.peers.detach();
  // The call out is reported with the transferring agent (it counts against the site cap only).
  session.leaveConversation(
    target.step.kind === 'external' ? { ...target.step, agentId: leg.agentId } : target.step,
  );
}

/**
 * Toll fraud: a blind transfer to a number the dial policy refuses (or over the site cap) is answered
 * with 403 and the reason; the agent keeps the caller. The call out itself is admitted again when
 * it starts (peer.ts runExternal), where its place is taken.
 */
function checkReferDial(session: CallSession, leg: PeerLeg, step: { number: string; trunkId: string }): void {
  const { interactionId, log, bundle } = session;
  const out = session.svc.dial.check({
    bundle,
    number: step.number,
    trunkId: step.trunkId,
    agentId: leg.agentId,
    agentCap: false,
    interactionId,
    log,
  });
  if (out.ok) return;
  session.cdr.step('dial-blocked', { reason: out.reason, agent: leg.agentId, trunk: step.trunkId });
  throw new SipError(out.status, out.phrase);
}

export { targetRef };
