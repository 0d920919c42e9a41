import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { IpAllowList } from '../auth/acl.ts';
import { AuthBan } from './auth-ban.ts';
import { SourceGuard } from './guard.ts';

describe('AuthBan', () => {
  it('bans an address after 5 failures in 60 s for 15 min, never a trusted one', () => {
    const clock = new FakeClock(0);
    const ban = new AuthBan(clock, {
      maxFailures: 5,
      windowMs: 60_000,
      banMs: 900_000,
      trusted: ['10.0.0.0/8'],
    });
    for (let i = 0; i < 4; i++) expect(ban.failed('192.0.2.1')).toBe(false);
    expect(ban.isBanned('192.0.2.1')).toBe(false);
    expect(ban.failed('192.0.2.1')).toBe(true);
    expect(ban.isBanned('192.0.2.1')).toBe(true);
    expect(ban.isBanned('192.0.2.2')).toBe(false);
    clock.advanceSync(900_000);
    expect(ban.isBanned('192.0.2.1')).toBe(false);
    for (let i = 0; i < 50; i++) ban.failed('10.1.2.3');
    expect(ban.isBanned('10.1.2.3')).toBe(false);
    expect([ban.failures, ban.bans]).toEqual([55, 1]);
  });

  it('forgets failures older than the window', () => {
    const clock = new FakeClock(0);
    const ban = new AuthBan(clock, { maxFailures: 3, windowMs: 1000, banMs: 5000 });
    ban.failed('192.0.2.1');
    ban.failed('192.0.2.1');
    clock.advanceSync(1500);
    expect(ban.failed('192.0.2.1')).toBe(false);
    expect(ban.failed('192.0.2.1')).toBe(false);
    expect(ban.failed('192.0.2.1')).toBe(true);
  });
});

describe('SourceGuard', () => {
  it('drops auth-banned and rate-banned sources, counts, and reports each ban once', () => {
    const clock = new FakeClock(0);
    const bans: string[] = [];
    const g = new SourceGuard(clock, {
      rate: { limit: 3, windowMs: 1000, banMs: 10_000 },
      auth: { maxFailures: 2, windowMs: 1000, banMs: 10_000 },
      onBan: (b) => bans.push(`${b.address}:${b.reason}:${b.seconds}`),
    });
    g.setExempt(new IpAllowList(['198.51.100.0/24']));
    for (let i = 0; i < 3; i++) expect(g.admit('192.0.2.1')).toBe(true);
    expect(g.admit('192.0.2.1')).toBe(false);
    expect(g.admit('192.0.2.1')).toBe(false);
    for (let i = 0; i < 100; i++) expect(g.admit('198.51.100.7')).toBe(true);
    g.authFailed('198.51.100.7');
    g.authFailed('198.51.100.7');
    expect(g.admit('198.51.100.7')).toBe(false);
    expect(bans).toEqual(['192.0.2.1:rate:10', '198.51.100.7:auth:10']);
    expect(g.counters()).toEqual({
      bannedAddresses: 2,
      dropped: 2,
      rateLimited: 1,
      authFailures: 2,
      bans: 2,
    });
  });
});
