import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CloudHarness, startCloudHarness } from './harness.ts';

// The cloud's own login and cookie defences over real HTTP: password guessing is braked, a
// cookie-authenticated write from another site is refused, and the cookie is Secure behind HTTPS.
describe('cloud login security', () => {
  let h: CloudHarness;
  let admin: { email: string; password: string };

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    const t = await h.tenant('acme');
    admin = { email: t.email, password: t.password };
  });
  afterAll(async () => {
    await h?.stop();
  });

  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email, password }),
    });

  it('sets a session cookie that is Secure only when the request came over HTTPS', async () => {
    const plain = (await login(admin.email, admin.password)).headers.get('set-cookie') ?? '';
    expect(plain).toMatch(/HttpOnly/);
    expect(plain).toMatch(/SameSite=Strict/);
    expect(plain).not.toMatch(/Secure/);
    const proxied = await login(admin.email, admin.password, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('refuses a cookie-authenticated write sent from another site and accepts the same from the console', async () => {
    const cookie = ((await login(admin.email, admin.password)).headers.get('set-cookie') ?? '').split(
      ';',
    )[0]!;
    const createKey = (headers: Record<string, string>) =>
      fetch(`${h.url}/api/v1/api-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({ name: 'k', role: 'ops' }),
      });
    const forged = await createKey({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ error: 'forbidden', message: 'cross-site request refused' });
    const forgedForm = await fetch(`${h.url}/console/publish`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie,
        origin: 'https://evil.example',
      },
      body: 'siteId=hq',
      redirect: 'manual',
    });
    expect(forgedForm.status).toBe(403);
    const keys = await fetch(`${h.url}/api/v1/api-keys`, { headers: { cookie } });
    expect((await keys.json()).apiKeys).toHaveLength(0);
    const own = await createKey({ origin: h.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(201);
  });

  it('locks an account after 5 failed logins, even for the right password, and says when to retry', async () => {
    const other = await h.tenant('globex');
    for (let i = 0; i < 5; i++) expect((await login(admin.email, `wrong-${i}`)).status).toBe(401);
    const locked = await login(admin.email, admin.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await locked.json()).error).toBe('too_many_attempts');
    // The console form says the same, in words.
    const form = await fetch(`${h.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: admin.email, password: admin.password }).toString(),
      redirect: 'manual',
    });
    expect(form.headers.get('location')).toMatch(/Too\+many\+failed\+logins/);
    // Another account from the same address is not locked out by it.
    expect((await login(other.email, other.password)).status).toBe(200);
  });
});
