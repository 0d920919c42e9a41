import type { DialPolicy } from '@hcc/proto';

/** An E.164 prefix as the dial policy holds it: "+" and 1 to 15 digits. */
export const DIAL_PREFIX = /^\+[0-9]{1,15}$/;
/** A country calling code: 1 to 3 digits, not starting with 0. */
const COUNTRY_CODE = /^[1-9][0-9]{0,2}$/;

/** One thing wrong with a dial policy: the field path (snake case, list index) and what is wrong. */
export interface DialPolicyProblem {
  path: string;
  problem: string;
}

/**
 * What is wrong with a site's dial policy (empty: fine). The cloud's site policy API answers with
 * these, publishing refuses a bundle that has any, and the edge refuses such a bundle again.
 */
export function dialPolicyProblems(p: DialPolicy): DialPolicyProblem[] {
  const problems: DialPolicyProblem[] = [];
  const lists = [
    ['allowed_prefixes', p.allowedPrefixes],
    ['blocked_prefixes', p.blockedPrefixes],
    ['premium_prefixes', p.premiumPrefixes],
  ] as const;
  for (const [name, list] of lists) {
    const seen = new Set<string>();
    for (const [i, x] of list.entries()) {
      if (!DIAL_PREFIX.test(x))
        problems.push({ path: `${name}.${i}`, problem: 'not an E.164 prefix ("+" and 1 to 15 digits)' });
      else if (seen.has(x)) problems.push({ path: `${name}.${i}`, problem: 'duplicate' });
      seen.add(x);
    }
  }
  const blocked = new Set(p.blockedPrefixes);
  for (const [i, x] of p.allowedPrefixes.entries())
    if (blocked.has(x)) problems.push({ path: `allowed_prefixes.${i}`, problem: 'also a blocked prefix' });
  if (p.homeCountryCode !== '' && !COUNTRY_CODE.test(p.homeCountryCode))
    problems.push({
      path: 'home_country_code',
      problem: 'not a country calling code (1 to 3 digits, no "+")',
    });
  return problems;
}
