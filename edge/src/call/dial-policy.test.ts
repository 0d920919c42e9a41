import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ConfigBundleSchema,
  ConfigRejectReason,
  DialPolicySchema,
  DialRefusal,
  NodeSchema,
  TrunkKind,
} from '@hcc/proto';
import { type Logger, Observer, silentLogger, validateBundle } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { DialGuard, dialingView } from './dial-guard.ts';
import { checkDial, homeCountry, PREMIUM_PREFIXES, refusalPhrase } from './dial-policy.ts';
import type { CallEvents } from './events.ts';

const policy = (p: MessageInitShape<typeof DialPolicySchema> = {}) => create(DialPolicySchema, p);

describe('checkDial', () => {
  it('without a policy: home numbers go out, international and premium are refused', () => {
    expect(checkDial(undefined, '+15557654321', '1')).toEqual({ allowed: true });
    expect(checkDial(undefined, '+442079460000', '1')).toEqual({ allowed: false, reason: 'international' });
    expect(checkDial(undefined, '+19005550100', '1')).toEqual({ allowed: false, reason: 'premium' });
    // Premium abroad says premium (the more telling reason), not international.
    expect(checkDial(undefined, '+449098790000', '1')).toEqual({ allowed: false, reason: 'premium' });
    expect(checkDial(undefined, '+88216000000', '1')).toEqual({ allowed: false, reason: 'premium' });
  });

  it('refuses what is not E.164', () => {
    for (const n of ['15557654321', '+0044207946', '+1555', '+1555765432100000', '+1555a654321', ''])
      expect(checkDial(undefined, n, '1')).toEqual({ allowed: false, reason: 'invalid-number' });
  });

  it('with no home country known every number is international', () => {
    expect(checkDial(undefined, '+15557654321', '')).toEqual({ allowed: false, reason: 'international' });
    expect(checkDial(policy({ allowInternational: true }), '+15557654321', '')).toEqual({ allowed: true });
  });

  it('allow_international and allow_premium open their categories', () => {
    expect(checkDial(policy({ allowInternational: true }), '+442079460000', '1')).toEqual({ allowed: true });
    // International on does not open premium abroad.
    expect(checkDial(policy({ allowInternational: true }), '+449098790000', '1').allowed).toBe(false);
    expect(checkDial(policy({ allowPremium: true }), '+19005550100', '1')).toEqual({ allowed: true });
    expect(checkDial(policy({ allowPremium: true }), '+449098790000', '1')).toEqual({
      allowed: false,
      reason: 'international',
    });
  });

  it('operators extend the premium list', () => {
    const p = policy({ premiumPrefixes: ['+1268'] });
    expect(checkDial(p, '+12685551234', '1')).toEqual({ allowed: false, reason: 'premium' });
    expect(
      checkDial(policy({ premiumPrefixes: ['+1268'], allowPremium: true }), '+12685551234', '1').allowed,
    ).toBe(true);
  });

  it('blocked prefixes refuse home numbers', () => {
    const p = policy({ blockedPrefixes: ['+1555765'] });
    expect(checkDial(p, '+15557654321', '1')).toEqual({ allowed: false, reason: 'blocked' });
    expect(checkDial(p, '+15551234567', '1')).toEqual({ allowed: true });
  });

  it('the longest matching prefix decides: an allowed prefix opens a country, a longer blocked one closes part of it', () => {
    const p = policy({ allowedPrefixes: ['+44'], blockedPrefixes: ['+4420'] });
    expect(checkDial(p, '+441614960000', '1')).toEqual({ allowed: true }); // Manchester: allowed +44
    expect(checkDial(p, '+442079460000', '1')).toEqual({ allowed: false, reason: 'blocked' }); // +4420 longer
    expect(checkDial(p, '+449098790000', '1')).toEqual({ allowed: false, reason: 'premium' }); // +449 longer
    // A longer allowed prefix opens one premium range.
    const q = policy({ allowedPrefixes: ['+1900555'] });
    expect(checkDial(q, '+19005550100', '1')).toEqual({ allowed: true });
    expect(checkDial(q, '+19004440100', '1')).toEqual({ allowed: false, reason: 'premium' });
  });

  it('on a tie the refusal wins', () => {
    const p = policy({ allowedPrefixes: ['+1900'] });
    expect(checkDial(p, '+19005550100', '1')).toEqual({ allowed: false, reason: 'premium' });
  });

  it('an allow-list refuses the rest, home numbers included', () => {
    const p = policy({ allowedPrefixes: ['+1555'] });
    expect(checkDial(p, '+15557654321', '1')).toEqual({ allowed: true });
    expect(checkDial(p, '+12125550100', '1')).toEqual({ allowed: false, reason: 'not-allowed' });
    expect(checkDial(p, '+442079460000', '1')).toEqual({ allowed: false, reason: 'international' });
  });

  it('the built-in premium list is E.164 prefixes', () => {
    for (const x of PREMIUM_PREFIXES) expect(x).toMatch(/^\+[1-9][0-9]{1,6}$/);
  });
});

describe('homeCountry', () => {
  const bundle = (p: MessageInitShape<typeof ConfigBundleSchema>) => create(ConfigBundleSchema, p);
  it("is the policy's, else the trunk's normalization, else the first carrier's", () => {
    const trunks = [
      { id: 'pbx', kind: TrunkKind.PBX, normalization: { countryCode: '' } },
      { id: 'uk', kind: TrunkKind.CARRIER, normalization: { countryCode: '44' } },
      { id: 'us', kind: TrunkKind.CARRIER, normalization: { countryCode: '1' } },
    ];
    expect(homeCountry(bundle({ trunks, dialPolicy: { homeCountryCode: '31' } }), 'us')).toBe('31');
    expect(homeCountry(bundle({ trunks }), 'us')).toBe('1');
    expect(homeCountry(bundle({ trunks }), 'pbx')).toBe('44');
    expect(homeCountry(bundle({}), 'x')).toBe('');
  });
});

describe('DialGuard', () => {
  const bundle = (p: MessageInitShape<typeof DialPolicySchema> = {}) =>
    create(ConfigBundleSchema, {
      version: 7n,
      trunks: [{ id: 'carrier', kind: TrunkKind.CARRIER, normalization: { countryCode: '1' } }],
      dialPolicy: p,
    });
  const lines: Array<{ obj: unknown; msg: string }> = [];
  const log = {
    ...silentLogger,
    warn: (obj: unknown, msg: string) => lines.push({ obj, msg }),
    child: () => log,
  } as unknown as Logger;
  const attempt = (
    b: ReturnType<typeof bundle>,
    agentId: string,
    number = '+15557654321',
    agentCap = true,
  ) => ({
    bundle: b,
    number,
    trunkId: 'carrier',
    agentId,
    agentCap,
    interactionId: 'i-1',
    log,
  });

  it('caps concurrent calls out per agent and per site; release is idempotent', () => {
    const observer = new Observer<CallEvents>(silentLogger);
    const hits: CallEvents['dialLimitHit'][] = [];
    observer.on('dialLimitHit', (e) => hits.push(e));
    const g = new DialGuard(observer);
    const b = bundle({ maxOutboundPerSite: 3 }); // per agent: the default, 2
    const a1 = g.admit(attempt(b, 'a1'));
    const a2 = g.admit(attempt(b, 'a1'));
    expect(a1.ok && a2.ok).toBe(true);
    const a3 = g.admit(attempt(b, 'a1'));
    expect(a3).toMatchObject({
      ok: false,
      reason: 'agent-limit',
      status: 403,
      phrase: 'Forbidden - dial limit: agent',
    });
    expect(g.check(attempt(b, 'a1')).ok).toBe(false);
    const b1 = g.admit(attempt(b, 'a2'));
    expect(b1.ok).toBe(true);
    expect(g.admit(attempt(b, ''))).toMatchObject({ ok: false, reason: 'site-limit' }); // IVR: site cap only
    expect(g.outbound).toBe(3);
    if (a1.ok) {
      a1.release();
      a1.release();
    }
    expect(g.outbound).toBe(2);
    expect(g.admit(attempt(b, 'a1')).ok).toBe(true);
    expect(g.refused).toMatchObject({ 'agent-limit': 2, 'site-limit': 1 });
    expect(hits.map((h) => h.reason)).toEqual([
      DialRefusal.AGENT_LIMIT,
      DialRefusal.AGENT_LIMIT,
      DialRefusal.SITE_LIMIT,
    ]);
    expect(hits[0]).toEqual({
      reason: DialRefusal.AGENT_LIMIT,
      agentId: 'a1',
      trunkId: 'carrier',
      interactionId: 'i-1',
      configVersion: 7n,
    });
    expect(dialingView({ outbound: g.outbound, refused: g.refused }).refused).toMatchObject({
      agent_limit: 2,
    });
  });

  it("a blind transfer's call out counts against the site cap only", () => {
    const g = new DialGuard(new Observer<CallEvents>(silentLogger));
    const b = bundle({ maxOutboundPerAgent: 1, maxOutboundPerSite: 3 });
    const t1 = g.admit(attempt(b, 'a1', '+15557654321', false));
    const t2 = g.admit(attempt(b, 'a1', '+15557654321', false));
    expect(t1.ok && t2.ok).toBe(true);
    // The agent's own consultation still has its place; then the site is full.
    expect(g.admit(attempt(b, 'a1')).ok).toBe(true);
    expect(g.admit(attempt(b, 'a2', '+15557654321', false))).toMatchObject({
      ok: false,
      reason: 'site-limit',
    });
    if (t1.ok) t1.release();
    expect(g.admit(attempt(b, 'a1'))).toMatchObject({ ok: false, reason: 'agent-limit' });
  });

  it('check takes no place; a policy refusal is logged and reported without the number', () => {
    const observer = new Observer<CallEvents>(silentLogger);
    const hits: CallEvents['dialLimitHit'][] = [];
    observer.on('dialLimitHit', (e) => hits.push(e));
    const g = new DialGuard(observer);
    expect(g.check(attempt(bundle(), 'a1')).ok).toBe(true);
    expect(g.outbound).toBe(0);
    lines.length = 0;
    const r = g.admit(attempt(bundle(), 'a1', '+19005550100'));
    expect(r).toMatchObject({ ok: false, reason: 'premium', phrase: 'Forbidden - dial policy: premium' });
    expect(g.outbound).toBe(0);
    expect(hits).toHaveLength(1);
    expect(lines).toEqual([
      {
        obj: { reason: 'premium', agent: 'a1', trunk: 'carrier' },
        msg: 'call out refused by the dial policy',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('900555');
  });

  it('reason phrases', () => {
    expect(refusalPhrase('international')).toBe('Forbidden - dial policy: international');
    expect(refusalPhrase('site-limit')).toBe('Forbidden - dial limit: site');
  });
});

describe('a bundle with a bad dial policy', () => {
  it('is invalid: the cloud does not sign it, the edge does not run it', () => {
    const b = create(ConfigBundleSchema, {
      siteId: 'hq',
      site: { timeZone: 'UTC' },
      dialPolicy: { blockedPrefixes: ['+1900', '0900'], homeCountryCode: '1' },
    });
    expect(validateBundle(b)).toEqual([
      { reason: ConfigRejectReason.INVALID_VALUE, path: 'dial_policy.blocked_prefixes.1' },
    ]);
  });

  it('an IVR transfer to a number that is not E.164 is invalid too', () => {
    const transfer = (number: string) => ({
      id: 'out',
      kind: {
        case: 'transfer' as const,
        value: { target: { case: 'external' as const, value: { number, trunkId: 'carrier' } } },
      },
    });
    const b = create(ConfigBundleSchema, {
      siteId: 'hq',
      site: { timeZone: 'UTC' },
      flows: [{ id: 'main', entryNodeId: 'out', nodes: [transfer('0044207946000')] }],
    });
    expect(validateBundle(b)).toEqual([
      { reason: ConfigRejectReason.INVALID_FLOW, path: 'flows.main.nodes.out.external.number' },
    ]);
    b.flows[0]!.nodes = [create(NodeSchema, transfer('+442079460000'))];
    expect(validateBundle(b)).toEqual([]);
  });
});
