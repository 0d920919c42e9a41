/**
 * SIP session timers (RFC 4028) on the caller leg of calls from trunks, the edge being the UAS. negotiate() is
 * pure: from the INVITE (or a refresh re-INVITE/UPDATE), the trunk's interval and the edge's Min-SE it picks the
 * interval and the refresher, or a 422. SessionTimer runs it on a live call: when the caller refreshes, each
 * refresh re-arms the expiry; when the edge refreshes, it sends a re-INVITE with its unchanged SDP at half the
 * interval. A session not refreshed before it expires ends (`onExpired`: BYE, CDR 'session-expired').
 */
import type { Clock, TimerHandle } from '@hcc/shared';
import type { Dialog, SipRequest } from '../sip/index.ts';

export type Refresher = 'uac' | 'uas';

/** The longest interval the edge accepts (a larger Session-Expires is lowered to it). */
export const MAX_EXPIRES_S = 86_400;

export interface TimerTerms {
  expiresS: number;
  refresher: Refresher;
  /** The caller said `Supported: timer` (or Require): the answer then carries `Require: timer`. */
  peerSupports: boolean;
}

export type Negotiated =
  | { kind: 'none' }
  | { kind: 'timer'; terms: TimerTerms }
  | { kind: 'too-small'; minSeS: number };

const hasTimer = (values: string[]) =>
  values.some((v) =>
    v
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .includes('timer'),
  );

/** `Session-Expires: 1800;refresher=uac` (the parser maps the compact form `x`). */
export function parseSessionExpires(
  v: string | undefined,
): { deltaS: number; refresher?: Refresher } | undefined {
  if (!v) return undefined;
  const [delta, ...params] = v.split(';').map((p) => p.trim());
  if (!delta || !/^\d{1,10}$/.test(delta)) return undefined;
  const r = params
    .find((p) => /^refresher\s*=/i.test(p))
    ?.split('=')[1]
    ?.trim()
    .toLowerCase();
  return { deltaS: Number(delta), ...(r === 'uac' || r === 'uas' ? { refresher: r } : {}) };
}

/**
 * §9 (UAS): a Session-Expires below our Min-SE gets 422; otherwise the interval is the caller's, lowered to the
 * trunk's when that is set (never below Min-SE); without one, the trunk's interval when set, else no timer. The
 * refresher is the one the caller named, else the caller when it supports timers, else us.
 */
export function negotiate(req: SipRequest, trunkExpiresS: number, minSeS: number): Negotiated {
  const h = req.headers;
  const peerSupports = hasTimer([...h.getAll('supported'), ...h.getAll('require')]);
  const se = parseSessionExpires(h.get('session-expires'));
  if (se && se.deltaS < minSeS) return { kind: 'too-small', minSeS };
  if (!se && trunkExpiresS <= 0) return { kind: 'none' };
  // §9: never below the Min-SE the request carries (a proxy on the way may have raised it), nor ours.
  const floor = Math.max(minSeS, parseSessionExpires(h.get('min-se'))?.deltaS ?? 0);
  const wanted = se
    ? trunkExpiresS > 0
      ? Math.max(floor, Math.min(se.deltaS, trunkExpiresS))
      : se.deltaS
    : Math.max(floor, trunkExpiresS);
  // The UAS may lower the interval (not below Min-SE): a day at most, so the timers stay in range.
  const expiresS = Math.max(floor, Math.min(wanted, MAX_EXPIRES_S));
  const refresher: Refresher = se?.refresher ?? (peerSupports ? 'uac' : 'uas');
  return { kind: 'timer', terms: { expiresS, refresher: peerSupports ? refresher : 'uas', peerSupports } };
}

/** Headers of a 2xx that accepts `t` (§9). */
export function answerHeaders(t: TimerTerms): Array<[string, string]> {
  return [
    ['Session-Expires', `${t.expiresS};refresher=${t.refresher}`],
    ['Supported', 'timer'],
    ...(t.peerSupports && t.refresher === 'uac' ? ([['Require', 'timer']] as Array<[string, string]>) : []),
  ];
}

/** The 422 of §9 (a SipError's headers). */
export const tooSmallHeaders = (minSeS: number): Array<[string, string]> => [['Min-SE', String(minSeS)]];

/**
 * §10: the expiry check runs at interval - min(32, interval/3) seconds after the last refresh; the edge as
 * refresher sends its refresh at half the interval.
 */
export class SessionTimer {
  private expiry: TimerHandle | undefined;
  private refresh: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private terms: TimerTerms,
    private readonly o: {
      dialog: Dialog;
      clock: Clock;
      /** The SDP the edge answered the caller with (a refresh offers it unchanged). */
      sdp: () => string | undefined;
      minSeS: number;
      onExpired: () => void;
      onRefreshed?: () => void;
    },
  ) {
    this.arm();
  }

  get current(): TimerTerms {
    return this.terms;
  }

  /** A refresh from the caller was accepted with `terms` (re-INVITE or UPDATE). */
  refreshed(terms: TimerTerms): void {
    this.terms = terms;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.expiry);
    this.o.clock.clearTimeout(this.refresh);
  }

  private arm(): void {
    if (this.stopped) return;
    const { clock } = this.o;
    clock.clearTimeout(this.expiry);
    clock.clearTimeout(this.refresh);
    const s = this.terms.expiresS;
    this.expiry = clock.setTimeout(
      () => {
        if (!this.stopped) this.o.onExpired();
      },
      (s - Math.min(32, s / 3)) * 1000,
    );
    if (this.terms.refresher === 'uas')
      this.refresh = clock.setTimeout(() => void this.sendRefresh(), (s / 2) * 1000);
  }

  private async sendRefresh(): Promise<void> {
    if (this.stopped || this.o.dialog.state === 'terminated') return;
    const sdp = this.o.sdp();
    try {
      const res = await this.o.dialog.request('INVITE', {
        headers: [
          ['Session-Expires', `${this.terms.expiresS};refresher=uas`],
          ['Min-SE', String(this.o.minSeS)],
          ['Supported', 'timer'],
        ],
        ...(sdp ? { body: sdp, contentType: 'application/sdp' } : {}),
      });
      if (this.stopped) return;
      if (res.status >= 200 && res.status < 300) {
        const se = parseSessionExpires(res.headers.get('session-expires'));
        this.terms = {
          ...this.terms,
          expiresS: se?.deltaS ?? this.terms.expiresS,
          refresher: se?.refresher ?? 'uas',
        };
        this.o.onRefreshed?.();
        this.arm();
      } else if (res.status === 408 || res.status === 481) {
        // §10: the session is gone.
        this.o.onExpired();
      }
      // Any other refusal: the expiry check still ends the call if nothing else refreshes it.
    } catch {
      /* no answer: the expiry check decides */
    }
  }
}
