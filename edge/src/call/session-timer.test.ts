import { describe, expect, it } from 'vitest';
import type { Dialog } from '../sip/index.ts';
import { invite, pair } from '../sip/test-pair.ts';
import { answerHeaders, negotiate, parseSessionExpires, SessionTimer } from './session-timer.ts';

const inviteWith = (headers: Array<[string, string]>) => {
  const r = invite();
  for (const [n, v] of headers) r.headers.append(n, v);
  return r;
};

describe('RFC 4028 negotiation (UAS)', () => {
  it('parses Session-Expires with its refresher', () => {
    expect(parseSessionExpires('1800;refresher=uac')).toEqual({ deltaS: 1800, refresher: 'uac' });
    expect(parseSessionExpires(' 90 ')).toEqual({ deltaS: 90 });
    expect(parseSessionExpires('soon')).toBeUndefined();
    expect(parseSessionExpires(undefined)).toBeUndefined();
  });

  it('refuses an interval below Min-SE with 422 terms', () => {
    const r = inviteWith([
      ['Supported', 'timer'],
      ['Session-Expires', '60'],
    ]);
    expect(negotiate(r, 0, 90)).toEqual({ kind: 'too-small', minSeS: 90 });
  });

  it("honours the caller's timer, lowered to the trunk's interval, the caller refreshing", () => {
    const r = inviteWith([
      ['Supported', '100rel, timer'],
      ['Session-Expires', '1800'],
    ]);
    const n = negotiate(r, 600, 90);
    expect(n).toEqual({ kind: 'timer', terms: { expiresS: 600, refresher: 'uac', peerSupports: true } });
    if (n.kind === 'timer')
      expect(answerHeaders(n.terms)).toEqual([
        ['Session-Expires', '600;refresher=uac'],
        ['Supported', 'timer'],
        ['Require', 'timer'],
      ]);
    expect(negotiate(r, 0, 90)).toMatchObject({ terms: { expiresS: 1800 } });
  });

  it("never goes below the request's Min-SE and lowers absurd intervals to a day", () => {
    const r = inviteWith([
      ['Supported', 'timer'],
      ['Session-Expires', '9999999999'],
      ['Min-SE', '400'],
    ]);
    expect(negotiate(r, 0, 90)).toMatchObject({ kind: 'timer', terms: { expiresS: 86_400 } });
    expect(negotiate(r, 300, 90)).toMatchObject({ kind: 'timer', terms: { expiresS: 400 } });
  });

  it('the edge refreshes when the caller names it or does not support timers; no timer when nobody asks', () => {
    const named = inviteWith([
      ['Supported', 'timer'],
      ['Session-Expires', '300;refresher=uas'],
    ]);
    expect(negotiate(named, 0, 90)).toMatchObject({ terms: { refresher: 'uas', expiresS: 300 } });
    const plain = invite();
    expect(negotiate(plain, 0, 90)).toEqual({ kind: 'none' });
    const n = negotiate(plain, 30, 90);
    expect(n).toEqual({ kind: 'timer', terms: { expiresS: 90, refresher: 'uas', peerSupports: false } });
    if (n.kind === 'timer') expect(answerHeaders(n.terms).map(([h]) => h)).not.toContain('Require');
  });
});

describe('SessionTimer on a dialog', () => {
  async function dialogPair(refreshStatus = 200) {
    const p = await pair();
    let uas: Dialog | undefined;
    p.b.use('INVITE', (req) => {
      uas = req.reply(200, { body: 'v=0\r\n', contentType: 'application/sdp' });
    });
    const refreshes: string[] = [];
    p.a.use('INVITE', (req) => {
      refreshes.push(req.message.headers.get('session-expires') ?? '');
      req.reply(
        refreshStatus,
        refreshStatus === 200 ? { headers: [['Session-Expires', '90;refresher=uas']] } : {},
      );
    });
    p.b.use('ACK', () => {});
    p.a.use('ACK', () => {});
    p.a.send(invite());
    await p.run(300);
    return { ...p, uas: uas!, refreshes };
  }

  it('ends the session at interval - min(32, interval/3) without a refresh; a refresh re-arms it', async () => {
    const { uas, clock, run } = await dialogPair();
    let expired = 0;
    const t = new SessionTimer(
      { expiresS: 90, refresher: 'uac', peerSupports: true },
      { dialog: uas, clock, sdp: () => undefined, minSeS: 90, onExpired: () => expired++ },
    );
    await run(50_000, 1000);
    t.refreshed({ expiresS: 90, refresher: 'uac', peerSupports: true });
    await run(50_000, 1000);
    expect(expired).toBe(0);
    await run(11_000, 1000);
    expect(expired).toBe(1);
    t.stop();
  });

  it('as refresher, the edge re-INVITEs at half the interval and the session lives on', async () => {
    const { uas, clock, run, refreshes } = await dialogPair();
    let expired = 0;
    let refreshed = 0;
    const t = new SessionTimer(
      { expiresS: 90, refresher: 'uas', peerSupports: false },
      {
        dialog: uas,
        clock,
        sdp: () => 'v=0\r\n',
        minSeS: 90,
        onExpired: () => expired++,
        onRefreshed: () => refreshed++,
      },
    );
    await run(200_000, 1000);
    expect(refreshes.length).toBeGreaterThanOrEqual(4);
    expect(refreshes[0]).toBe('90;refresher=uas');
    expect(refreshed).toBe(refreshes.length);
    expect(expired).toBe(0);
    t.stop();
  });

  it('as refresher, a refresh answered 481 ends the session', async () => {
    const { uas, clock, run } = await dialogPair(481);
    let expired = 0;
    const t = new SessionTimer(
      { expiresS: 90, refresher: 'uas', peerSupports: false },
      { dialog: uas, clock, sdp: () => 'v=0\r\n', minSeS: 90, onExpired: () => expired++ },
    );
    await run(46_000, 1000);
    expect(expired).toBe(1);
    t.stop();
  });
});
