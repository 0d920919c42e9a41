/**
 * The toll-fraud gate every call out passes before a trunk is used: the site's dial policy
 * (dial-policy.ts) and the caps of concurrent calls out per agent and per site. A refusal is
 * counted, logged (reason, agent and trunk, never the number) and reported as a DialLimitHit
 * event; the caller of the gate answers it (403 to a phone or a REFER, a CDR step in a call).
 */
import type { ConfigBundle } from '@hcc/proto';
import type { Logger, Observer } from '@hcc/shared';
import {
  checkDial,
  type DialReason,
  homeCountry,
  outboundCaps,
  REFUSAL,
  refusalPhrase,
} from './dial-policy.ts';
import type { CallEvents } from './events.ts';

export interface DialAttempt {
  bundle: ConfigBundle;
  /** E.164, as it would go to the carrier (never logged). */
  number: string;
  /** The trunk the call would use (the home country may come from its normalization). */
  trunkId: string;
  /** The agent the call is for (reported); '' for an IVR transfer. */
  agentId: string;
  /**
   * The per-agent cap applies (the agent is on the call: a consultation). A blind transfer's call
   * out is the customer's once the agent has left: it counts against the site cap only.
   */
  agentCap: boolean;
  interactionId: string;
  log: Logger;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; reason: DialReason; status: 403; phrase: string };

const REASONS = Object.keys(REFUSAL) as DialReason[];

export class DialGuard {
  private site = 0;
  private readonly agents = new Map<string, number>();
  /** Refusals since the edge started, by reason (/api/status). */
  readonly refused = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<DialReason, number>;

  constructor(private readonly observer: Observer<CallEvents>) {}

  /** Refusals since the edge started, all reasons (heartbeat). */
  get refusedTotal(): number {
    return Object.values(this.refused).reduce((a, b) => a + b, 0);
  }

  /** Calls out now holding a place under the site cap. */
  get outbound(): number {
    return this.site;
  }

  /** The policy and the caps without taking a place (a REFER answered before the call out starts). */
  check(a: DialAttempt): Admission {
    const reason = this.evaluate(a);
    return reason ? this.refuse(a, reason) : { ok: true, release: () => undefined };
  }

  /** The policy and the caps; on success a place is held until `release` (idempotent). */
  admit(a: DialAttempt): Admission {
    const reason = this.evaluate(a);
    if (reason) return this.refuse(a, reason);
    this.site++;
    const agent = a.agentCap && a.agentId ? a.agentId : undefined;
    if (agent) this.agents.set(agent, (this.agents.get(agent) ?? 0) + 1);
    let held = true;
    return {
      ok: true,
      release: () => {
        if (!held) return;
        held = false;
        this.site--;
        if (!agent) return;
        const n = (this.agents.get(agent) ?? 1) - 1;
        if (n <= 0) this.agents.delete(agent);
        else this.agents.set(agent, n);
      },
    };
  }

  private evaluate(a: DialAttempt): DialReason | undefined {
    const policy = a.bundle.dialPolicy;
    const verdict = checkDial(policy, a.number, homeCountry(a.bundle, a.trunkId));
    if (!verdict.allowed) return verdict.reason;
    const caps = outboundCaps(policy);
    if (a.agentCap && a.agentId && (this.agents.get(a.agentId) ?? 0) >= caps.perAgent) return 'agent-limit';
    if (this.site >= caps.perSite) return 'site-limit';
    return undefined;
  }

  private refuse(a: DialAttempt, reason: DialReason): Admission {
    this.refused[reason]++;
    a.log.warn({ reason, agent: a.agentId, trunk: a.trunkId }, 'call out refused by the dial policy');
    this.observer.emit('dialLimitHit', {
      reason: REFUSAL[reason],
      agentId: a.agentId,
      trunkId: a.trunkId,
      interactionId: a.interactionId,
      configVersion: a.bundle.version,
    });
    return { ok: false, reason, status: 403, phrase: refusalPhrase(reason) };
  }
}

/** The /api/status view of the gate: snake case, counts only. */
export function dialingView(d: { outbound: number; refused: Record<DialReason, number> }) {
  return {
    outbound_calls: d.outbound,
    refused: Object.fromEntries(Object.entries(d.refused).map(([k, v]) => [k.replace(/-/g, '_'), v])),
  };
}
