/**
 * The softphone: JsSIP over the edge's SIP WebSocket (RFC 7118), media over WebRTC through
 * rtpengine (bundlePolicy 'balanced': rtpengine writes no BUNDLE group; rtcp-mux required).
 * JsSIP reconnects a dropped WebSocket and registers again by itself; the UI is told each step.
 *
 * Attended transfer: the customer is held, a second session calls the consulted extension through
 * the edge, and "complete" REFERs the customer's session with Replaces naming the consultation
 * (RFC 3891). The consulted agent's page is then sent an INVITE with Replaces by the edge, which it
 * answers at once in place of the consultation.
 */
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingRequest } from 'jssip/lib/SIPMessage.js';
import type { SipConfig } from './api.ts';

export type PhoneStatus = 'connecting' | 'registered' | 'disconnected' | 'failed';

export interface IncomingCall {
  session: RTCSession;
  interactionId: string;
  from: string;
  /** Ended because an INVITE with Replaces took its place: no wrap-up for it. */
  replaced?: boolean;
}

/**
 * `failed`: the consulted party was never reached (busy, logged out, no answer); the customer has
 * been taken off hold. `transferring`: "complete" was sent; `transfer-failed`: the edge refused it
 * or never confirmed it, and the consultation (customer still on hold) goes on.
 */
export type ConsultState = 'calling' | 'talking' | 'ended' | 'failed' | 'transferring' | 'transfer-failed';

interface Consult {
  session: RTCSession;
  target: string;
  audio: HTMLAudioElement;
  /** Hung up from this page (cancel): no automatic resume, no failure message. */
  cancelled?: boolean;
  /** The pending "complete" (REFER) watchdog. */
  referTimer?: ReturnType<typeof setTimeout>;
}

/** How long "complete" waits for the edge's NOTIFY (it rings a browser for up to 10 s). */
const REFER_TIMEOUT_MS = 20_000;

export interface PhoneEvents {
  status(s: PhoneStatus, detail?: string): void;
  incoming(c: IncomingCall): void;
  ended(interactionId: string, cause: string): void;
  confirmed(interactionId: string): void;
  /** The edge handed this page a call in place of the current one (end of an attended transfer). */
  replaced(c: IncomingCall): void;
  /** `reason`: the edge's reason phrase of a failed consultation (e.g. no agent available in a queue). */
  consult(state: ConsultState, detail?: string, reason?: string): void;
}

type DtmfOptions = Parameters<RTCSession['sendDTMF']>[1];

const PC_CONFIG: RTCConfiguration = { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: [] };

export class Phone {
  private ua: JsSIP.UA | undefined;
  current: IncomingCall | undefined;
  consulting: Consult | undefined;
  micId = localStorage.getItem('hcc-mic') ?? '';
  private remoteAudio = new Audio();

  constructor(private readonly ev: PhoneEvents) {
    this.remoteAudio.autoplay = true;
  }

  start(cfg: SipConfig): void {
    // Support switch: SIP traces in the browser console.
    if (localStorage.getItem('hcc-sip-debug')) JsSIP.debug.enable('JsSIP:*');
    const host = location.hostname;
    const scheme = cfg.ws.secure ? 'wss' : 'ws';
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${cfg.ws.port}${cfg.ws.path}`;
    const socket = new JsSIP.WebSocketInterface(url);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${cfg.username}@${host}`,
      authorization_user: cfg.username,
      password: cfg.password,
      realm: cfg.realm,
      register: true,
      register_expires: 120,
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 8,
      user_agent: 'hcc-desktop',
    });
    ua.on('connecting', () => this.ev.status('connecting'));
    ua.on('disconnected', () => this.ev.status('disconnected'));
    ua.on('registered', () => this.ev.status('registered'));
    ua.on('unregistered', () => this.ev.status('disconnected'));
    ua.on('registrationFailed', (e: { cause?: string }) => this.ev.status('failed', e.cause ?? ''));
    ua.on('newRTCSession', (e: { originator: string; session: RTCSession; request: IncomingRequest }) => {
      if (e.originator !== 'remote') return;
      const interactionId = e.request.getHeader('X-Interaction-Id') ?? '';
      const replacing = this.replacedBy(e.request);
      if (this.current && !replacing) {
        e.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
        return;
      }
      const call: IncomingCall = { session: e.session, interactionId, from: e.request.from.uri.user ?? '' };
      if (replacing) replacing.replaced = true;
      this.current = call;
      const done = (cause: string) => {
        if (this.current === call) this.current = undefined;
        if (!call.replaced) this.ev.ended(interactionId, cause);
      };
      e.session.on('ended', (x: { cause?: string }) => done(x.cause ?? 'ended'));
      e.session.on('failed', (x: { cause?: string }) => done(x.cause ?? 'failed'));
      e.session.on('confirmed', () => this.ev.confirmed(interactionId));
      // Only the edge reaches this page: a Replaces it sends ends an attended transfer.
      e.session.on('replaces', (r) => (r.accept as () => void)());
      e.session.on('peerconnection', (p: { peerconnection: RTCPeerConnection }) => {
        p.peerconnection.addEventListener('track', (t) => {
          this.remoteAudio.srcObject = t.streams[0] ?? new MediaStream([t.track]);
        });
      });
      if (replacing) {
        e.session.on('confirmed', () => this.ev.replaced(call));
        setTimeout(() => this.answer(), 0);
      } else this.ev.incoming(call);
    });
    this.ua = ua;
    ua.start();
  }

  stop(): void {
    this.ua?.stop();
    this.ua = undefined;
  }

  answer(): void {
    const s = this.current?.session;
    if (!s) return;
    s.answer({
      mediaConstraints: { audio: this.micId ? { deviceId: { exact: this.micId } } : true, video: false },
      pcConfig: PC_CONFIG,
    });
  }

  decline(): void {
    this.current?.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  }

  hangup(): void {
    this.current?.session.terminate();
  }

  setMuted(muted: boolean): void {
    const s = this.current?.session;
    if (!s) return;
    if (muted) s.mute({ audio: true });
    else s.unmute({ audio: true });
  }

  setHeld(held: boolean): Promise<void> {
    const s = this.current?.session;
    if (!s) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = held ? s.hold({}, () => resolve()) : s.unhold({}, () => resolve());
      if (!ok) reject(new Error('hold not possible now'));
    });
  }

  dtmf(digit: string): void {
    // RFC 4733 in the media (rtpengine relays telephone-event), not SIP INFO.
    const transportType = 'RFC2833' as NonNullable<DtmfOptions>['transportType'];
    this.current?.session.sendDTMF(digit, { transportType, duration: 120 });
  }

  /** Blind transfer (REFER): an extension, `queue-<id>` or a number, resolved by the edge. */
  transfer(target: string): void {
    this.current?.session.refer(`sip:${target}@${location.hostname}`);
  }

  /** The current call an INVITE with Replaces names (undefined when it names none). */
  private replacedBy(req: IncomingRequest): IncomingCall | undefined {
    const r = (req as unknown as { replaces?: { call_id: string } }).replaces;
    const cur = this.current;
    if (!r || !cur || !req.hasHeader('replaces')) return undefined;
    return cur.session.id.startsWith(r.call_id) ? cur : undefined;
  }

  /**
   * Attended transfer, step 1: holds the customer and calls `target` (an extension, `queue-<id>`:
   * a free agent of that queue, or a number) through the edge on a second session, heard on its
   * own audio element.
   */
  async consult(target: string): Promise<void> {
    const cur = this.current;
    if (!this.ua || !cur || this.consulting) return;
    if (!cur.session.isOnHold().local) await this.setHeld(true);
    const audio = new Audio();
    audio.autoplay = true;
    const session = this.ua.call(`sip:${target}@${location.hostname}`, {
      mediaConstraints: { audio: this.micId ? { deviceId: { exact: this.micId } } : true, video: false },
      pcConfig: PC_CONFIG,
      eventHandlers: {
        peerconnection: (p: { peerconnection: RTCPeerConnection }) =>
          p.peerconnection.addEventListener('track', (t) => {
            audio.srcObject = t.streams[0] ?? new MediaStream([t.track]);
          }),
      },
    });
    const c: Consult = { session, target, audio };
    this.consulting = c;
    this.ev.consult('calling');
    session.on('confirmed', () => this.ev.consult('talking'));
    const done = (cause: string, neverAnswered: boolean, reason?: string) => {
      if (this.consulting !== c) return;
      this.consulting = undefined;
      audio.srcObject = null;
      // The edge hangs the consultation up as it completes a transfer (its NOTIFY follows).
      if (c.referTimer) {
        this.ev.consult('ended', 'transferring');
        return;
      }
      if (!neverAnswered || c.cancelled) {
        this.ev.consult('ended', cause);
        return;
      }
      // Busy, logged out or unreachable: straight back to the customer.
      const cur = this.current;
      const resume = cur?.session.isOnHold().local ? this.setHeld(false) : Promise.resolve();
      void resume.catch(() => undefined).then(() => this.ev.consult('failed', cause, reason));
    };
    session.on('ended', (x: { cause?: string }) => done(x.cause ?? 'ended', false));
    session.on('failed', (x: { cause?: string; message?: unknown }) =>
      done(x.cause ?? 'failed', true, (x.message as { reason_phrase?: string } | undefined)?.reason_phrase),
    );
  }

  /** Step 2a: the customer goes to the consulted party (REFER with Replaces); this page leaves both. */
  completeTransfer(): void {
    const c = this.consulting;
    const cur = this.current;
    if (!c || !cur || !c.session.isEstablished() || c.referTimer) return;
    const settle = (failure?: string) => {
      if (!c.referTimer) return;
      clearTimeout(c.referTimer);
      c.referTimer = undefined;
      // Success: the edge hangs up both of this page's calls next.
      if (!failure) return;
      if (this.consulting === c) this.ev.consult('transfer-failed', failure);
      else this.ev.consult('ended', `transfer failed: ${failure}`);
    };
    c.referTimer = setTimeout(() => settle('no confirmation from the phone system'), REFER_TIMEOUT_MS);
    this.ev.consult('transferring');
    const line = (x: { status_line?: { status_code?: number; reason_phrase?: string } }) =>
      x.status_line ? `${x.status_line.status_code ?? ''} ${x.status_line.reason_phrase ?? ''}`.trim() : '';
    const sent = cur.session.refer(`sip:${c.target}@${location.hostname}`, {
      replaces: c.session,
      eventHandlers: {
        requestFailed: (x: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
          settle(
            x.response ? `${x.response.status_code} ${x.response.reason_phrase}` : (x.cause ?? 'rejected'),
          ),
        failed: (x: { status_line?: { status_code?: number; reason_phrase?: string } }) =>
          settle(line(x) || 'rejected'),
        accepted: () => settle(),
      },
    }) as unknown;
    // JsSIP returns false when the customer's call is not in a state to transfer.
    if (sent === false) settle('the customer call cannot be transferred now');
  }

  /** Step 2b: hangs up the consultation and takes the customer off hold. */
  async cancelConsult(): Promise<void> {
    const c = this.consulting;
    if (c) {
      c.cancelled = true;
      clearTimeout(c.referTimer);
      c.referTimer = undefined;
      if (!c.session.isEnded()) c.session.terminate();
    }
    if (this.current?.session.isOnHold().local) await this.setHeld(false);
  }

  /** Inbound audio as Chrome counts it (getStats), for the status bar and tests. */
  async audioStats(
    which: 'current' | 'consult' = 'current',
  ): Promise<{ packetsReceived: number; audioLevel: number; packetsSent: number }> {
    const s = which === 'consult' ? this.consulting?.session : this.current?.session;
    const pc = s?.connection as RTCPeerConnection | undefined;
    const out = { packetsReceived: 0, audioLevel: 0, packetsSent: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.packetsReceived = Number(r.packetsReceived ?? 0);
        out.audioLevel = Number(r.audioLevel ?? 0);
      }
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent = Number(r.packetsSent ?? 0);
    });
    return out;
  }
}

/** Microphones the browser offers (labels appear once permission is granted). */
export async function microphones(): Promise<MediaDeviceInfo[]> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === 'audioinput');
}

/** Asks for the microphone once; a readable message when the browser refuses. */
export async function checkMicrophone(deviceId: string): Promise<string | undefined> {
  try {
    const s = await navigator.mediaDevices.getUserMedia({
      audio: deviceId ? { deviceId: { exact: deviceId } } : true,
    });
    for (const t of s.getTracks()) t.stop();
    return undefined;
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    if (name === 'NotAllowedError')
      return 'Microphone access is blocked. Allow the microphone for this site in the browser settings, then reload.';
    if (name === 'NotFoundError' || name === 'OverconstrainedError')
      return 'No microphone found. Plug in a headset or choose another microphone.';
    return `The microphone cannot be opened (${name || 'unknown error'}).`;
  }
}
