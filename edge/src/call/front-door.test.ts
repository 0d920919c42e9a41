import { create } from '@bufbuild/protobuf';
import { ConfigBundleSchema } from '@hcc/proto';
import { FakeClock, silentLogger, validateBundle } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { sipProtectionSettings } from '../settings-sip.ts';
import { Headers, SipRequest } from '../sip/index.ts';
import { buildFrontDoor } from './front-door.ts';

const bundle = (digest: string[]) =>
  create(ConfigBundleSchema, {
    tenantId: 'acme',
    siteId: 'hq',
    version: 1n,
    trunks: [{ id: 'carrier', name: 'carrier', host: '192.0.2.10', allowedSourceCidrs: ['192.0.2.0/28'] }],
    agents: [
      {
        id: 'a-1',
        extension: '1001',
        displayName: 'A',
        devices: [
          {
            id: 'phone',
            kind: {
              case: 'sip',
              value: { authUsername: '1001', passwordHashRef: 'r', digestAlgorithms: digest },
            },
          },
        ],
      },
    ],
  });

const register = (user: string, ua = 'Yealink SIP-T46S') =>
  new SipRequest(
    'REGISTER',
    'sip:edge',
    Headers.from([
      ['From', `<sip:${user}@edge>;tag=1`],
      ['To', `<sip:${user}@edge>`],
      ['Call-ID', 'c'],
      ['CSeq', '1 REGISTER'],
      ['User-Agent', ua],
    ]),
  );

describe('front door', () => {
  it("exempts the applied config's trunks from the rate limit, and follows a new config", () => {
    let current = bundle([]);
    const door = buildFrontDoor({
      settings: { ...sipProtectionSettings({ EDGE_SIP_RATE_LIMIT: '3' }) },
      config: { current: () => current },
      clock: new FakeClock(0),
      log: silentLogger,
    });
    for (let i = 0; i < 100; i++) expect(door.admission.admit('192.0.2.5')).toBe(true);
    for (let i = 0; i < 3; i++) expect(door.admission.admit('198.51.100.1')).toBe(true);
    expect(door.admission.admit('198.51.100.1')).toBe(false);
    current = create(ConfigBundleSchema, { ...bundle([]), version: 2n, trunks: [] });
    for (let i = 0; i < 3; i++) expect(door.admission.admit('192.0.2.5')).toBe(true);
    expect(door.admission.admit('192.0.2.5')).toBe(false);
    for (let i = 0; i < 5; i++) door.digest.failures.authFailed('192.0.2.6');
    expect(door.admission.admit('192.0.2.6')).toBe(false);
    door.close();
  });

  it("offers a device its own digest list from the bundle, everyone else the site's; bad names are refused", () => {
    const door = buildFrontDoor({
      settings: sipProtectionSettings({}),
      config: { current: () => bundle(['MD5']) },
      clock: new FakeClock(0),
      log: silentLogger,
    });
    expect(door.digest.offer(register('1001'))).toEqual(['MD5']);
    expect(door.digest.offer(register('1002'))).toEqual(['SHA-256', 'MD5']);
    expect(door.digest.offer(register('1002', 'baresip v1.0.0'))).toEqual(['MD5']);
    door.close();
    const bad = (algs: string[]) =>
      validateBundle(bundle(algs)).some((p) => p.path === 'agents.a-1.devices.phone.digest_algorithms');
    expect([bad(['SHA-256', 'MD5']), bad(['MD5']), bad(['SHA-512']), bad(['MD5', 'MD5'])]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('refuses bad settings with a clear error', () => {
    expect(() => sipProtectionSettings({ EDGE_SIP_DIGEST_ALGORITHMS: 'SHA-512' })).toThrow(/SHA-256 or MD5/);
    expect(() => sipProtectionSettings({ EDGE_SIP_TRUSTED_CIDRS: '10.0.0.0/8,nonsense' })).toThrow(
      /EDGE_SIP_TRUSTED_CIDRS/,
    );
  });
});
