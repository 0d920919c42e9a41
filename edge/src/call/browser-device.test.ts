import { describe, expect, it } from 'vitest';
import { DigestClient, FakeClock, Headers, SipRequest, SipResponse } from '../sip/index.ts';
import { answererSdp, BrowserCredentials, browserCallAuth, isBrowserUser } from './browser-device.ts';

function invite(): SipRequest {
  return new SipRequest('INVITE', 'sip:1002@hq', Headers.from([['CSeq', '1 INVITE']]));
}

describe('browser device', () => {
  it('challenges browser INVITEs with MD5 only (JsSIP cannot answer SHA-256) and maps the user to its agent', async () => {
    const creds = new BrowserCredentials('hq');
    const { username, password } = creds.issue('a-1001');
    const auth = browserCallAuth(new FakeClock(), creds);

    const challenge = auth.digest.challenge();
    expect(challenge).toHaveLength(1);
    expect(challenge[0]![0]).toBe('Proxy-Authenticate');
    expect(challenge[0]![1]).toMatch(/algorithm=MD5/);

    const req = invite();
    expect((await auth.digest.verify(req)).ok).toBe(false);
    const res = new SipResponse(407, 'Proxy Authentication Required');
    for (const [n, v] of challenge) res.headers.append(n, v);
    expect(new DigestClient({ username, password }).authorize(req, res)).toBe(true);
    expect(await auth.digest.verify(req)).toEqual({ ok: true, username: 'web-a-1001' });
    expect(auth.agentOf(username)).toBe('a-1001');

    // A new login revokes the old password.
    creds.issue('a-1001');
    const again = invite();
    new DigestClient({ username, password }).authorize(again, res);
    expect((await auth.digest.verify(again)).ok).toBe(false);
  });

  it('tells browser users from phones and keeps rtpengine the DTLS server on re-INVITEs', () => {
    expect(isBrowserUser('web-a-1001')).toBe(true);
    expect(isBrowserUser('1001')).toBe(false);
    expect(answererSdp('a=setup:actpass\r\n')).toBe('a=setup:passive\r\n');
  });
});
