/**
 * Outgoing INVITEs of the B2BUA: one INVITE per target (parallel fork, each its own Call-ID), the
 * first 2xx wins and the others are CANCELled; an abort CANCELs everything still ringing; a 401/407
 * is answered once with digest credentials. The winner is not ACKed here: the session ACKs after it
 * has connected the media (claim -> answerBranch -> ACK). A 2xx that arrives too late is ACKed and
 * hung up at once. A target that sends no response at all (not even 100 Trying) within
 * `noResponseMs` is unreachable (a dead phone, a port nobody listens on): the attempt fails with a
 * local 408 without waiting for Timer B; a late answer is ACKed and hung up.
 */
import type { Clock } from '@hcc/shared';
import {
  type Dialog,
  type DigestClient,
  Headers,
  newCallId,
  newTag,
  type OutgoingRequest,
  type SendOptions,
  SipRequest,
  type SipResponse,
  type SipStack,
} from '../sip/index.ts';
import type { HeaderRule } from './headers.ts';

export interface DialTarget {
  uri: string;
  /** Device or trunk the target belongs to (logs, CDR). */
  label: string;
  hop?: SendOptions['hop'];
  /** A browser device (browser-device.ts): rung with a WebRTC offer. */
  webrtc?: boolean;
  /** A trunk that requires SRTP (trunk-route.ts): offered RTP/SAVP with SDES keys. */
  srtp?: boolean;
  /** The trunk the target is reached through: ringing or talking to it holds one of the trunk's channels. */
  trunk?: { id: string; maxConcurrentCalls: number };
}

export type DialFailure = 'busy' | 'no-answer' | 'unreachable' | 'cancelled' | 'rejected';

export interface DialAttempt {
  target: DialTarget;
  callId: string;
  status: number | undefined;
}

export type DialResult =
  | {
      kind: 'answered';
      dialog: Dialog;
      response: SipResponse;
      target: DialTarget;
      attempts: DialAttempt[];
      /** Sends the ACK for the 2xx (after the media is connected). */
      ack(): void;
    }
  | { kind: 'failed'; result: DialFailure; status: number; attempts: DialAttempt[] };

export interface DialOptions {
  targets: readonly DialTarget[];
  /** From user and host (the caller's identity rules may rewrite it). */
  fromUser: string;
  fromHost: string;
  sdp: string;
  signal: AbortSignal;
  rules?: HeaderRule;
  digest?: DigestClient;
  onRinging?: () => void;
  /** No response at all within this time: the target is unreachable (default NO_RESPONSE_MS). */
  noResponseMs?: number;
}

/** A reachable SIP device answers an INVITE with 100 Trying at once; silence this long means dead. */
export const NO_RESPONSE_MS = 3000;

/** Maps a final failure status to how an offer ended. */
export function failureOf(status: number): DialFailure {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'rejected';
  if (status === 487) return 'cancelled';
  if (status === 480 || status === 408) return 'no-answer';
  return 'unreachable';
}

const RANK: Record<DialFailure, number> = {
  busy: 4,
  rejected: 3,
  'no-answer': 2,
  unreachable: 1,
  cancelled: 0,
};

function buildInvite(t: DialTarget, o: DialOptions, callId: string): SipRequest {
  const h = new Headers();
  h.append('From', `<sip:${o.fromUser}@${o.fromHost}>;tag=${newTag()}`);
  h.append('To', `<${t.uri}>`);
  h.append('Call-ID', callId);
  h.append('CSeq', '1 INVITE');
  h.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY');
  h.append('Content-Type', 'application/sdp');
  const req = new SipRequest('INVITE', t.uri, h, Buffer.from(o.sdp));
  return o.rules ? o.rules(req) : req;
}

/** Rings every target; resolves with the first answer or, once all failed, the most telling failure. */
export function dial(stack: SipStack, o: DialOptions): Promise<DialResult> {
  const attempts: DialAttempt[] = [];
  if (o.targets.length === 0)
    return Promise.resolve({ kind: 'failed', result: 'unreachable', status: 480, attempts });
  return new Promise<DialResult>((resolve) => {
    let settled = false;
    let open = o.targets.length;
    let worst: { result: DialFailure; status: number } = { result: 'cancelled', status: 487 };
    const live = new Set<OutgoingRequest>();
    const finish = (r: DialResult) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      for (const out of live) out.cancel();
      resolve(r);
    };
    const onAbort = () => finish({ kind: 'failed', result: 'cancelled', status: 487, attempts });
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.signal.aborted) return onAbort();

    for (const target of o.targets) {
      const attempt: DialAttempt = { target, callId: newCallId(), status: undefined };
      attempts.push(attempt);
      void (async () => {
        let req = buildInvite(target, o, attempt.callId);
        let out = send(req);
        const noResponseMs = o.noResponseMs ?? NO_RESPONSE_MS;
        let res = await finalOrSilence(out, stack.clock, noResponseMs);
        if (res !== 'silent' && (res.status === 401 || res.status === 407) && o.digest && !settled) {
          live.delete(out);
          req = new SipRequest(req.method, req.uriString, stripVia(req.headers), req.body);
          req.headers.set('CSeq', `${req.cseq.seq + 1} INVITE`);
          if (o.digest.authorize(req, res)) {
            out = send(req);
            res = await finalOrSilence(out, stack.clock, noResponseMs);
          }
        }
        live.delete(out);
        if (res === 'silent') {
          attempt.status = 408;
          hangUpLate(out, req.cseq.seq);
          if (RANK.unreachable >= RANK[worst.result]) worst = { result: 'unreachable', status: 408 };
          if (--open === 0) finish({ kind: 'failed', ...worst, attempts });
          return;
        }
        attempt.status = res.status;
        if (res.status >= 200 && res.status < 300 && out.dialog) {
          const dialog = out.dialog;
          const cseq = req.cseq.seq;
          if (settled) {
            dialog.ack(cseq);
            void dialog.bye().catch(() => undefined);
            return;
          }
          finish({ kind: 'answered', dialog, response: res, target, attempts, ack: () => dialog.ack(cseq) });
          return;
        }
        const f = failureOf(res.status);
        if (RANK[f] >= RANK[worst.result]) worst = { result: f, status: res.status };
        if (--open === 0) finish({ kind: 'failed', ...worst, attempts });
      })().catch(() => {
        if (--open === 0) finish({ kind: 'failed', result: 'unreachable', status: 500, attempts });
      });
    }

    function send(req: SipRequest): OutgoingRequest {
      const out = stack.send(req, { autoAck: false, ...(hopOf(req) ?? {}) });
      live.add(out);
      out.onProvisional((r) => {
        if (r.status >= 180 && !settled) o.onRinging?.();
      });
      if (settled) out.cancel();
      return out;
    }
    function hopOf(req: SipRequest): { hop: SendOptions['hop'] } | undefined {
      const t = o.targets.find((x) => x.uri === req.uriString);
      return t?.hop ? { hop: t.hop } : undefined;
    }
  });
}

/** The final response, or 'silent' when nothing at all (not even a provisional) came within `ms`. */
function finalOrSilence(out: OutgoingRequest, clock: Clock, ms: number): Promise<SipResponse | 'silent'> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve('silent'), ms);
    out.onProvisional(() => clock.clearTimeout(timer));
    void out.final.then((r) => {
      clock.clearTimeout(timer);
      resolve(r);
    });
  });
}

/** Gives up on a silent INVITE: CANCEL if it ever rings, ACK + BYE if it ever answers. */
function hangUpLate(out: OutgoingRequest, cseq: number): void {
  out.cancel();
  void out.final.then((r) => {
    if (r.status >= 200 && r.status < 300 && out.dialog) {
      out.dialog.ack(cseq);
      void out.dialog.bye().catch(() => undefined);
    }
  });
}

/** A request's headers without the Via the stack added to the first attempt. */
function stripVia(h: Headers): Headers {
  const c = h.clone();
  c.delete('Via');
  c.delete('Proxy-Authorization');
  c.delete('Authorization');
  return c;
}
