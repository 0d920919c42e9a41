/**
 * A consultation call through the edge while agent A's customer is on hold: A dials agent B's
 * extension, a queue (`queue-<id>`: a free agent of it, consult-queue.ts), or an outside number (through the carrier trunk a blind transfer would use), anchored
 * in its own rtpengine call. It exists to be joined to the customer by an attended transfer (REFER
 * with Replaces); it writes no CDR of its own.
 */
import type { Agent, ConfigBundle, Queue, Trunk } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import { ConsultMedia } from '../media/index.ts';
import type { Dialog, DigestClient, ServerRequest } from '../sip/index.ts';
import { type ConsultWork, reserveQueueAgent } from './consult-queue.ts';
import { deviceTargets } from './contacts.ts';
import type { Admission } from './dial-guard.ts';
import { type DialTarget, dial } from './dialer.ts';
import { withDirectCallEvents } from './direct-events.ts';
import { interactionHeader } from './headers.ts';
import { parseReferTo } from './transfer.ts';
import { trunkDigest } from './trunk-auth.ts';
import { trunkTarget } from './trunk-route.ts';
import { chooseTrunks, type TrunkHealthReader, trunkFailed } from './trunks/index.ts';
import type { CallServices } from './types.ts';

/** Whom a consultation calls: an agent's devices, a free agent of a queue, or a number through a trunk. */
export type ConsultTarget =
  | { kind: 'agent'; agent: Agent }
  | { kind: 'queue'; queue: Queue; bundle: ConfigBundle }
  | {
      kind: 'external';
      number: string;
      trunk: Trunk;
      fromUser: string;
      bundle: ConfigBundle;
      fallback: Trunk[];
    };

/**
 * What the dialled user part names: an agent's extension, else a number resolved as a blind
 * transfer's would be (E.164-ish, carrier trunk); the edge presents the site's first DID to it.
 * An outside number goes to the first healthy trunk by priority, `fallback` holding the next ones.
 */
export function consultTarget(
  bundle: ConfigBundle,
  user: string,
  health?: TrunkHealthReader,
): ConsultTarget | undefined {
  const agent = bundle.agents.find((a) => a.extension === user);
  if (agent) return { kind: 'agent', agent };
  const queue = user.startsWith('queue-') ? bundle.queues.find((q) => q.id === user.slice(6)) : undefined;
  if (queue) return { kind: 'queue', queue, bundle };
  const r = parseReferTo(`<sip:${user}@edge>`, bundle);
  if (r?.kind !== 'step' || r.step.kind !== 'external') return undefined;
  const { number, trunkId } = r.step;
  const [trunk, ...fallback] = chooseTrunks(bundle, health, trunkId).trunks;
  if (!trunk) return undefined;
  return {
    kind: 'external',
    number,
    trunk,
    fromUser: bundle.dids[0]?.number ?? 'anonymous',
    bundle,
    fallback,
  };
}

/** The dial targets of a consultation (empty: nowhere to ring) and whether they are browsers. */
async function targetsOf(
  svc: CallServices,
  t: Exclude<ConsultTarget, { kind: 'queue' }>,
): Promise<{ targets: DialTarget[]; webrtc: boolean; digest?: DigestClient }> {
  if (t.kind === 'external') {
    const digest = await trunkDigest(t.trunk, svc.secrets);
    return {
      targets: [trunkTarget(t.number, t.trunk)],
      webrtc: false,
      ...(digest ? { digest } : {}),
    };
  }
  // A browser device of B is rung with a WebRTC offer; its phones then get nothing (one SDP per fork).
  const all = await deviceTargets(t.agent.devices, svc.bindings, [], t.agent.id);
  const webrtc = all.some((x) => x.webrtc);
  return { targets: webrtc ? all.filter((x) => x.webrtc) : all, webrtc };
}

/** The dial gate for a consultation to a number (the agent's place is held while B's leg lives). */
function admitConsultDial(
  svc: CallServices,
  t: Extract<ConsultTarget, { kind: 'external' }>,
  agentId: string,
  interactionId: string,
  log: Logger,
): Admission {
  return svc.dial.admit({
    bundle: t.bundle,
    number: t.number,
    trunkId: t.trunk.id,
    agentId,
    agentCap: true,
    interactionId,
    log,
  });
}

const withRelease = (release: () => void, out: Admission | undefined) =>
  out?.ok
    ? () => {
        release();
        out.release();
      }
    : release;

export class ConsultRegistry {
  private readonly byKey = new Map<string, { call: ConsultCall; side: 'a' | 'b' }>();

  bind(d: Dialog, call: ConsultCall, side: 'a' | 'b'): void {
    const key = d.key;
    this.byKey.set(key, { call, side });
    d.onTerminated(() => this.byKey.delete(key));
  }

  unbind(d: Dialog): void {
    this.byKey.delete(d.key);
  }

  byDialog(d: Dialog) {
    return this.byKey.get(d.key);
  }

  byDialogId(callId: string, tagA: string, tagB: string) {
    return (
      this.byKey.get(`${callId}\u0000${tagA}\u0000${tagB}`) ??
      this.byKey.get(`${callId}\u0000${tagB}\u0000${tagA}`)
    );
  }
}

export class ConsultCall {
  aDialog: Dialog | undefined;
  bDialog: Dialog | undefined;
  /** Where B answered (a browser is handed the customer by an INVITE with Replaces). */
  bTarget: DialTarget | undefined;
  /** B's work item when B was picked from a queue (ends with the consultation or moves to the customer). */
  work: ConsultWork | undefined;
  private ended = false;

  constructor(
    private readonly svc: CallServices,
    readonly fromAgentId: string,
    /** The consulted agent; undefined for an outside number. */
    readonly to: Agent | undefined,
    readonly media: ConsultMedia,
    private readonly log: Logger,
  ) {}

  static async start(
    svc: CallServices,
    req: ServerRequest,
    fromAgentId: string,
    target: ConsultTarget,
    id: string,
    log: Logger,
  ): Promise<void> {
    let work: ConsultWork | undefined;
    let ringMs: number | undefined;
    if (target.kind === 'queue') {
      // A free agent of the queue now, reserved like an offer (or the consultation fails at once).
      const pick = reserveQueueAgent(svc, target.bundle, target.queue, fromAgentId, id);
      if (pick.kind === 'none') {
        log.info({ queue: target.queue.id }, 'consult: no agent available in the queue');
        req.reply(480, { reason: pick.reason });
        return;
      }
      work = pick.work;
      ringMs = (target.queue.ringTimeoutSeconds || 20) * 1000;
      const ref = { interactionId: id, configVersion: target.bundle.version, agentId: pick.agent.id };
      svc = withDirectCallEvents(svc, ref);
      target = { kind: 'agent', agent: pick.agent };
    }
    // Toll fraud: the site's dial policy and outbound caps, before a trunk channel is taken; the place
    // is held with the trunk channel (released together, see releaseTrunk).
    const out = target.kind === 'external' ? admitConsultDial(svc, target, fromAgentId, id, log) : undefined;
    if (out && !out.ok) {
      req.reply(out.status, { reason: out.phrase });
      return;
    }
    // A consultation out through a trunk holds one of its channels until B's dialog ends (B may become
    // the customer's connected leg after the transfer: the channel stays taken until that call ends).
    let releaseTrunk: (() => void) | undefined;
    /** The trunk channel alone (failover frees it and takes the next trunk's; the dial place stays). */
    let channel: (() => void) | undefined;
    if (target.kind === 'external') {
      // A full trunk is passed over for the next one of the failover list.
      const order: Trunk[] = [target.trunk, ...target.fallback];
      for (const [i, t] of order.entries()) {
        channel = svc.registry.takeTrunk(t.id, t.maxConcurrentCalls);
        if (channel) {
          target = { ...target, trunk: t, fallback: order.slice(i + 1) };
          break;
        }
      }
      releaseTrunk = channel;
      if (!releaseTrunk) {
        out?.release();
        log.info({ trunk: target.trunk.id }, 'consult: every channel of every trunk is busy');
        req.reply(503, { reason: 'All trunk lines busy' });
        return;
      }
      releaseTrunk = withRelease(releaseTrunk, out);
    }
    let pin: ReturnType<CallServices['media']['acquire']>;
    try {
      pin = svc.media.acquire(id);
    } catch (err) {
      // No healthy rtpengine: the reserved queue agent goes back to work, the consultation fails.
      log.warn({ err: (err as Error).name }, 'consult: no media server');
      work?.failed('cancelled');
      releaseTrunk?.();
      req.reply(503);
      return;
    }
    const media = new ConsultMedia({
      client: pin.client,
      callId: id,
      callerTag: req.message.fromTag ?? '',
      logger: log,
      onEnded: () => svc.media.release(id),
    });
    const c = new ConsultCall(
      svc,
      fromAgentId,
      target.kind === 'agent' ? target.agent : undefined,
      media,
      log,
    );
    c.work = work;
    let bDialog: Dialog | undefined;
    try {
      const { targets, webrtc, digest } = await targetsOf(svc, target);
      if (targets.length === 0) {
        work?.failed('unreachable');
        req.reply(
          480,
          work
            ? { reason: `No device of ${target.kind === 'agent' ? target.agent.displayName : ''} to ring` }
            : {},
        );
        await media.end();
        return;
      }
      const bSdp = await media.offer(
        req.message.body.toString('utf8'),
        webrtc ? 'webrtc' : targets.some((t) => t.srtp) ? 'srtp' : 'rtp',
      );
      const ac = new AbortController();
      req.onCancel(() => ac.abort());
      const timeout = ringMs ? AbortSignal.timeout(ringMs) : undefined;
      const dialB = (to: DialTarget[], auth: DigestClient | undefined) =>
        dial(svc.stack, {
          targets: to,
          fromUser: target.kind === 'external' ? target.fromUser : fromAgentId,
          fromHost: svc.sipHost,
          sdp: bSdp,
          signal: timeout ? AbortSignal.any([ac.signal, timeout]) : ac.signal,
          rules: interactionHeader(id),
          onRinging: () => {
            work?.ringing();
            req.reply(180);
          },
          ...(auth ? { digest: auth } : {}),
        });
      let r = await dialB(targets, digest);
      // Sequential failover: a trunk that times out or answers 408/5xx hands the number to the next.
      const ext = target.kind === 'external' ? target : undefined;
      for (const next of ext?.fallback ?? []) {
        if (!ext || r.kind !== 'failed' || ac.signal.aborted || !trunkFailed(r.status)) break;
        log.info({ trunk: r.attempts[0]?.target.label }, 'consult: trunk failed, trying the next');
        channel?.();
        channel = svc.registry.takeTrunk(next.id, next.maxConcurrentCalls);
        releaseTrunk = withRelease(channel ?? (() => {}), out);
        if (!channel) continue;
        const t = await targetsOf(svc, { ...ext, trunk: next });
        r = await dialB(t.targets, t.digest);
      }
      if (r.kind === 'failed') {
        const timedOut = timeout?.aborted === true && !ac.signal.aborted;
        work?.failed(timedOut ? 'timeout' : r.result);
        const who = target.kind === 'agent' ? target.agent.displayName || target.agent.extension : '';
        req.reply(
          r.result === 'busy' ? 486 : r.result === 'cancelled' && !timedOut ? 487 : 480,
          work && timedOut ? { reason: `No answer from ${who}` } : {},
        );
        await media.end();
        return;
      }
      work?.answered();
      const aSdp = await media.answer(r.dialog.id.remoteTag, r.response.body.toString('utf8'));
      r.ack();
      bDialog = r.dialog;
      if (releaseTrunk) r.dialog.onTerminated(releaseTrunk);
      c.bDialog = r.dialog;
      c.bTarget = r.target;
      svc.consults.bind(r.dialog, c, 'b');
      const d = req.reply(200, { body: aSdp, contentType: 'application/sdp' });
      if (!d) {
        await c.hangup();
        return;
      }
      c.aDialog = d;
      svc.consults.bind(d, c, 'a');
    } catch (err) {
      // Only the name: the text can quote a dialled number or a database error's parameters.
      log.error({ err: (err as Error).name }, 'consult call failed');
      if (!req.answered) req.reply(503);
      await c.hangup();
    } finally {
      // Not connected (no device, failed, refused, error): the trunk channel is free again.
      if (!bDialog) releaseTrunk?.();
    }
  }

  /** One side hung up (or the call was joined): end the rest. */
  async hangup(except?: 'a' | 'b'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.work?.end();
    for (const [side, d] of [
      ['a', this.aDialog],
      ['b', this.bDialog],
    ] as const)
      if (d && side !== except && d.state !== 'terminated') await d.bye().catch(() => undefined);
    await this.media.end().catch(() => undefined);
  }

  /**
   * Hands agent B over to the customer's session: A's side and this media are dropped. A phone's
   * dialog is taken over (`keepB` false, re-INVITEd by the session); a browser got a new INVITE with
   * Replaces and hangs up its old dialog itself, so that one stays bound until its BYE.
   */
  async release(keepB = false): Promise<Dialog | undefined> {
    const b = this.bDialog;
    this.ended = true;
    if (b && !keepB) {
      this.bDialog = undefined;
      this.svc.consults.unbind(b);
    }
    if (this.aDialog && this.aDialog.state !== 'terminated') void this.aDialog.bye().catch(() => undefined);
    await this.media.end().catch(() => undefined);
    this.log.debug({}, 'consult call joined');
    return b;
  }
}
