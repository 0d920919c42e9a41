/**
 * The softphone: JsSIP over the edge's SIP WebSocket (RFC 7118), media over WebRTC through
 * rtpengine (bundlePolicy 'balanced': rtpengine writes no BUNDLE group; rtcp-mux required).
 * JsSIP reconnects a dropped WebSocket and registers again by itself; the UI is told each step.
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
}

export interface PhoneEvents {
  status(s: PhoneStatus, detail?: string): void;
  incoming(c: IncomingCall): void;
  ended(interactionId: string, cause: string): void;
  confirmed(interactionId: string): void;
}

type DtmfOptions = Parameters<RTCSession['sendDTMF']>[1];

const PC_CONFIG: RTCConfiguration = { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: [] };

export class Phone {
  private ua: JsSIP.UA | undefined;
  current: IncomingCall | undefined;
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
      if (this.current) {
        e.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
        return;
      }
      const call: IncomingCall = { session: e.session, interactionId, from: e.request.from.uri.user ?? '' };
      this.current = call;
      const done = (cause: string) => {
        if (this.current === call) this.current = undefined;
        this.ev.ended(interactionId, cause);
      };
      e.session.on('ended', (x: { cause?: string }) => done(x.cause ?? 'ended'));
      e.session.on('failed', (x: { cause?: string }) => done(x.cause ?? 'failed'));
      e.session.on('confirmed', () => this.ev.confirmed(interactionId));
      e.session.on('peerconnection', (p: { peerconnection: RTCPeerConnection }) => {
        p.peerconnection.addEventListener('track', (t) => {
          this.remoteAudio.srcObject = t.streams[0] ?? new MediaStream([t.track]);
        });
      });
      this.ev.incoming(call);
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

  /** Inbound audio as Chrome counts it (getStats), for the status bar and tests. */
  async audioStats(): Promise<{ packetsReceived: number; audioLevel: number; packetsSent: number }> {
    const pc = this.current?.session.connection as RTCPeerConnection | undefined;
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
