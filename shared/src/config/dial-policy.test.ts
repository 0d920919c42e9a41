import type { DialPolicy } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { dialPolicyProblems } from './dial-policy.ts';

// Plain objects in the message's shape (this package does not depend on @bufbuild/protobuf).
const policy = (p: Partial<DialPolicy>): DialPolicy =>
  ({
    allowedPrefixes: [],
    blockedPrefixes: [],
    premiumPrefixes: [],
    homeCountryCode: '',
    allowInternational: false,
    allowPremium: false,
    maxOutboundPerAgent: 0,
    maxOutboundPerSite: 0,
    ...p,
  }) as DialPolicy;

describe('dialPolicyProblems', () => {
  it('accepts a sane policy and the empty one', () => {
    expect(dialPolicyProblems(policy({}))).toEqual([]);
    const p = policy({
      allowedPrefixes: ['+44', '+1'],
      blockedPrefixes: ['+4420'],
      premiumPrefixes: ['+1268'],
      homeCountryCode: '1',
      maxOutboundPerAgent: 3,
    });
    expect(dialPolicyProblems(p)).toEqual([]);
  });

  it('names each bad prefix, duplicate, contradiction and country code', () => {
    const p = policy({
      allowedPrefixes: ['+44', '44', '+1900'],
      blockedPrefixes: ['+1 900', '+1900', '+', '+1234567890123456', '+1900'],
      premiumPrefixes: ['+1-268'],
      homeCountryCode: '+1',
    });
    expect(dialPolicyProblems(p).map((x) => x.path)).toEqual([
      'allowed_prefixes.1',
      'blocked_prefixes.0',
      'blocked_prefixes.2',
      'blocked_prefixes.3',
      'blocked_prefixes.4',
      'premium_prefixes.0',
      'allowed_prefixes.2',
      'home_country_code',
    ]);
    expect(dialPolicyProblems(p)[0]?.problem).toBe('not an E.164 prefix ("+" and 1 to 15 digits)');
  });
});
