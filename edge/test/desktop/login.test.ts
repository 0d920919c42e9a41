/**
 * The desktop login over a real socket: failed logins lock the extension (429 + Retry-After), and
 * logging out ends the browser softphone's SIP login: the per-login SIP password the desktop API
 * handed out no longer registers (401/403) and every registration of the device is removed, so no
 * call rings a browser whose agent has gone.
 */
import { freePort } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DigestClient,
  Headers,
  newCallId,
  newTag,
  SipRequest,
  SipStack,
  sendWithDigest,
  UdpTransport,
} from '../../src/sip/index.ts';
import { callBundle, queueOf } from '../call/fixtures.ts';
import { type Desk, startDesk, webAgent } from './desk.ts';

describe('desktop login and logout', () => {
  let desk: Desk;
  let ua: SipStack;
  let uaPort: number;

  beforeAll(async () => {
    desk = await startDesk({
      pgUrl: inject('pgUrl'),
      name: 'desk_logout',
      bundle: callBundle({
        agents: [webAgent('a-1001', '1001'), webAgent('a-1002', '1002')],
        queues: [queueOf('sales')],
      }),
    });
    uaPort = await freePort();
    ua = new SipStack({ transports: [new UdpTransport({ host: '127.0.0.1', port: uaPort })] });
    await ua.start();
  });

  afterAll(async () => {
    await ua?.close();
    await desk?.close();
  });

  /** REGISTER of the browser's auth user with the given password; the final status. */
  async function register(username: string, password: string): Promise<number> {
    const hdr = new Headers();
    hdr.append('From', `<sip:${username}@127.0.0.1>;tag=${newTag()}`);
    hdr.append('To', `<sip:${username}@127.0.0.1>`);
    hdr.append('Call-ID', newCallId());
    hdr.append('CSeq', '1 REGISTER');
    hdr.append('Contact', `<sip:${username}@127.0.0.1:${uaPort}>`);
    hdr.append('Expires', '60');
    const req = new SipRequest('REGISTER', `sip:127.0.0.1:${desk.h.sipPort}`, hdr);
    const r = await sendWithDigest(ua, req, new DigestClient({ username, password }));
    return r.response.status;
  }

  async function api(path: string, init: { cookie?: string; csrf?: string; body?: unknown } = {}) {
    const res = await fetch(`${desk.base}/api/agent${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}),
      },
      body: JSON.stringify(init.body ?? {}),
    });
    return {
      status: res.status,
      cookie: res.headers.get('set-cookie') ?? '',
      json: (await res.json()) as never,
    };
  }

  it('revokes the SIP password and removes the registrations', async () => {
    const login = await api('/login', { body: { extension: '1001', password: 'pw-1001' } });
    expect(login.status).toBe(200);
    const cookie = login.cookie.split(';')[0]!;
    const csrf = (login.json as { csrfToken: string }).csrfToken;
    const sip = await api('/desktop/sip', { cookie, csrf });
    expect(sip.status).toBe(200);
    const { username, password } = sip.json as { username: string; password: string };
    expect(username).toBe('web-a-1001');

    // While logged in the password registers (the same check that must fail afterwards).
    expect(await register(username, password)).toBe(200);
    expect(await desk.h.bindings.contactsOf(username)).toHaveLength(1);

    expect((await api('/logout', { cookie, csrf })).status).toBe(200);
    expect(await desk.h.bindings.contactsOf(username)).toEqual([]);
    expect([401, 403]).toContain(await register(username, password));
    expect(await desk.h.bindings.contactsOf(username)).toEqual([]);
    expect(desk.credentials.lookup(username)).toBeUndefined();
  });

  it('locks an extension after 5 failed logins for 60 s, other extensions still log in', async () => {
    for (let i = 0; i < 5; i++)
      expect((await api('/login', { body: { extension: '1002', password: 'guess' } })).status).toBe(401);
    const res = await fetch(`${desk.base}/api/agent/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extension: '1002', password: 'pw-1002' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(55);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await api('/login', { body: { extension: '1001', password: 'pw-1001' } })).status).toBe(200);
  });
});
