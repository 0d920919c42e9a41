/**
 * The site's outbound dial policy (toll fraud), as pure functions: may this number be called out
 * through a trunk? The counters of concurrent calls out and the reporting are in dial-guard.ts.
 *
 * Precedence (see DialPolicy in bundle.proto): of the allowed, blocked and premium prefixes that
 * match the number, the longest decides; on a tie the refusal wins. With no deciding allowed prefix,
 * an international number is refused unless international calls are on, and any number is refused
 * when the policy has an allow-list. An absent policy is the empty one: international and premium
 * refused.
 */
import { type ConfigBundle, type DialPolicy, DialRefusal, TrunkKind } from '@hcc/proto';

export type DialReason =
  | 'blocked'
  | 'premium'
  | 'international'
  | 'not-allowed'
  | 'invalid-number'
  | 'agent-limit'
  | 'site-limit';

export type DialCheck = { allowed: true } | { allowed: false; reason: DialReason };

/**
 * Premium-rate and revenue-share ranges refused unless the policy allows premium calls; operators
 * add their own in `premium_prefixes`. Documented in the README ("Dial policy").
 */
export const PREMIUM_PREFIXES: readonly string[] = [
  '+1900', // US and Canada premium rate (1-900)
  '+449', // UK 09x premium rate
  '+4470', // UK 070 personal numbers (revenue share)
  '+3389', // France 089x
  '+49900', // Germany 0900
  '+49137', // Germany 0137 mass calling
  '+31900', // Netherlands 0900
  '+31906', // Netherlands 0906
  '+31909', // Netherlands 0909
  '+3290', // Belgium 090x
  '+34803', // Spain 803
  '+34806', // Spain 806
  '+34807', // Spain 807
  '+34905', // Spain 905
  '+39899', // Italy 899
  '+4190', // Switzerland 090x
  '+43900', // Austria 0900
  '+43930', // Austria 0930
  '+61190', // Australia 190
  '+870', // Inmarsat
  '+881', // global mobile satellite systems
  '+882', // international networks
  '+883', // international networks
  '+979', // international premium rate service
];

/** Concurrent calls out per agent when the policy says 0. */
export const DEFAULT_MAX_OUTBOUND_PER_AGENT = 2;
/** Concurrent calls out of the site when the policy says 0. */
export const DEFAULT_MAX_OUTBOUND_PER_SITE = 20;

/** An E.164 number as sent to a carrier: "+", a country code not starting with 0, 6 to 15 digits. */
const E164 = /^\+[1-9][0-9]{5,14}$/;

const refuse = (reason: DialReason): DialCheck => ({ allowed: false, reason });

/**
 * The site's country calling code: the policy's, else the normalization country code of the trunk
 * the call would use, else of the site's first carrier trunk; '' when none is known (then every
 * number is international).
 */
export function homeCountry(bundle: ConfigBundle, trunkId: string): string {
  const p = bundle.dialPolicy?.homeCountryCode;
  if (p) return p;
  const byId = bundle.trunks.find((t) => t.id === trunkId)?.normalization?.countryCode;
  if (byId) return byId;
  return bundle.trunks.find((t) => t.kind === TrunkKind.CARRIER)?.normalization?.countryCode ?? '';
}

/** May `number` (E.164, as it goes to the carrier) be called under `policy`? */
export function checkDial(policy: DialPolicy | undefined, number: string, home: string): DialCheck {
  if (!E164.test(number)) return refuse('invalid-number');
  let bestLen = -1;
  let verdict: 'allow' | DialReason | undefined;
  const consider = (prefixes: readonly string[], v: 'allow' | DialReason) => {
    for (const x of prefixes) {
      if (!number.startsWith(x)) continue;
      // Longer wins; on the same length a refusal beats an allowance.
      if (x.length > bestLen || (x.length === bestLen && v !== 'allow')) {
        bestLen = x.length;
        verdict = v;
      }
    }
  };
  consider(policy?.allowedPrefixes ?? [], 'allow');
  consider(policy?.blockedPrefixes ?? [], 'blocked');
  if (!policy?.allowPremium) {
    consider(PREMIUM_PREFIXES, 'premium');
    consider(policy?.premiumPrefixes ?? [], 'premium');
  }
  if (verdict === 'allow') return { allowed: true };
  if (verdict) return refuse(verdict);
  const international = home === '' || !number.startsWith(`+${home}`);
  if (international && !policy?.allowInternational) return refuse('international');
  if ((policy?.allowedPrefixes.length ?? 0) > 0) return refuse('not-allowed');
  return { allowed: true };
}

/** The caps of a policy with its defaults applied. */
export function outboundCaps(policy: DialPolicy | undefined): { perAgent: number; perSite: number } {
  return {
    perAgent: policy?.maxOutboundPerAgent || DEFAULT_MAX_OUTBOUND_PER_AGENT,
    perSite: policy?.maxOutboundPerSite || DEFAULT_MAX_OUTBOUND_PER_SITE,
  };
}

/** The event's enum for a reason. */
export const REFUSAL: Readonly<Record<DialReason, DialRefusal>> = {
  blocked: DialRefusal.BLOCKED,
  premium: DialRefusal.PREMIUM,
  international: DialRefusal.INTERNATIONAL,
  'not-allowed': DialRefusal.NOT_ALLOWED,
  'invalid-number': DialRefusal.INVALID_NUMBER,
  'agent-limit': DialRefusal.AGENT_LIMIT,
  'site-limit': DialRefusal.SITE_LIMIT,
};

/** The reason phrase of the 403 a refused call out is answered with. */
export function refusalPhrase(reason: DialReason): string {
  return reason === 'agent-limit' || reason === 'site-limit'
    ? `Forbidden - dial limit: ${reason === 'agent-limit' ? 'agent' : 'site'}`
    : `Forbidden - dial policy: ${reason}`;
}
