/**
 * The site's dial policy through the cloud API: the demo seed's policy is in the draft, a bad prefix
 * or country code is refused with the field and the reason, a good one is stored and published in
 * the signed bundle (ConfigBundle.dial_policy) that edges verify and run.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoHqBundle } from '../src/demo/bundles.ts';
import { type Client, type CloudHarness, client, startCloudHarness } from './harness.ts';

describe('site dial policy', () => {
  let h: CloudHarness;
  let api: Client;
  let login: { email: string; password: string };

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    const t = await h.tenant('acme');
    api = t.api;
    login = { email: t.email, password: t.password };
    await h.site(api, demoHqBundle());
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("holds the demo's policy in the draft", async () => {
    const r = await api('GET', '/api/v1/sites/hq/policies');
    expect(r.status).toBe(200);
    expect(r.json.dial_policy).toEqual({
      homeCountryCode: '1',
      maxOutboundPerAgent: 2,
      maxOutboundPerSite: 10,
    });
  });

  it('refuses bad prefixes, a bad country code and a wrong type, naming the field', async () => {
    const bad = await api('PUT', '/api/v1/sites/hq/policies', {
      dial_policy: { blockedPrefixes: ['+1900', '0900', '+44 20'], homeCountryCode: '+1' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.problems).toEqual([
      { field: 'dial_policy.blocked_prefixes.1', problem: 'not an E.164 prefix ("+" and 1 to 15 digits)' },
      { field: 'dial_policy.blocked_prefixes.2', problem: 'not an E.164 prefix ("+" and 1 to 15 digits)' },
      {
        field: 'dial_policy.home_country_code',
        problem: 'not a country calling code (1 to 3 digits, no "+")',
      },
    ]);
    const typed = await api('PUT', '/api/v1/sites/hq/policies', { dial_policy: { allowPremium: 'yes' } });
    expect(typed.status).toBe(422);
    expect(typed.json.problems[0].field).toMatch(/^dial_policy/);
    // Nothing was stored.
    expect((await api('GET', '/api/v1/sites/hq/policies')).json.dial_policy.homeCountryCode).toBe('1');
  });

  const policy = {
    allowedPrefixes: ['+4420'],
    blockedPrefixes: ['+1555'],
    premiumPrefixes: ['+1268'],
    homeCountryCode: '1',
    maxOutboundPerAgent: 3,
  };

  it('stores a good policy and publishes it in the signed bundle', async () => {
    const put = await api('PUT', '/api/v1/sites/hq/policies', { dial_policy: policy });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(put.json.dial_policy).toEqual(policy);
    // The other policies are left as they were.
    expect(put.json.recording).toMatchObject({ enabled: true });
    const pub = await api('POST', '/api/v1/sites/hq/versions');
    expect(pub.status, JSON.stringify(pub.json)).toBe(201);
    const v = await api('GET', `/api/v1/sites/hq/versions/${pub.json.version}`);
    expect(v.status).toBe(200);
    expect(v.json.dialPolicy).toEqual(policy);
  });

  it("shows the draft's policy on the console's site page", async () => {
    expect((await api('PUT', '/api/v1/sites/hq/policies', { dial_policy: policy })).status).toBe(200);
    const token = (await client(h.url)('POST', '/api/v1/auth/login', login)).json.token as string;
    const res = await fetch(`${h.url}/sites/hq`, { headers: { cookie: `hcc_session=${token}` } });
    expect(res.status).toBe(200);
    const text = /<p id="dial-policy">(.*?)<\/p>/s.exec(await res.text())?.[1]?.replace(/\s+/g, ' ');
    expect(text).toBe(
      'Home country: +1; international: refused; premium-rate: refused (built-in list, extra: +1268); allowed prefixes: +4420; blocked prefixes: +1555; calls out at once per agent: 3, per site: default.',
    );
  });
});
