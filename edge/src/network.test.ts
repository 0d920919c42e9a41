import { ConfigError } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { edgeNetwork, firstHostAddress, isLoopback, isWildcard, type NetworkInput } from './network.ts';

const base: NetworkInput = {
  httpHost: '127.0.0.1',
  sipHost: '127.0.0.1',
  publicAddress: undefined,
  rtpHost: undefined,
  tlsCert: undefined,
  tlsKey: undefined,
  allowClearTextHttp: false,
};

describe('edge network settings', () => {
  it('tells loopback and wildcard addresses apart', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.10', 'edge.example', '128.0.0.1'])
      expect(isLoopback(h), h).toBe(false);
    expect(isWildcard('0.0.0.0')).toBe(true);
    expect(isWildcard('[::]')).toBe(true);
    expect(isWildcard('10.0.0.5')).toBe(false);
  });

  it('advertises the listen address by default, and EDGE_PUBLIC_ADDRESS when set', () => {
    expect(edgeNetwork({ ...base, sipHost: '10.1.2.3' })).toEqual({
      publicAddress: undefined,
      sipAdvertisedHost: '10.1.2.3',
      rtpHost: '10.1.2.3',
    });
    expect(
      edgeNetwork({ ...base, sipHost: '10.1.2.3', publicAddress: '203.0.113.7', rtpHost: '10.1.2.4' }),
    ).toEqual({
      publicAddress: '203.0.113.7',
      sipAdvertisedHost: '203.0.113.7',
      rtpHost: '10.1.2.4',
    });
  });

  it("a wildcard SIP listener advertises the host's first address, or asks for EDGE_PUBLIC_ADDRESS", () => {
    expect(edgeNetwork({ ...base, sipHost: '0.0.0.0' }, () => '192.0.2.9').sipAdvertisedHost).toBe(
      '192.0.2.9',
    );
    expect(() => edgeNetwork({ ...base, sipHost: '0.0.0.0' }, () => undefined)).toThrow(
      /EDGE_PUBLIC_ADDRESS/,
    );
    expect(
      firstHostAddress({
        lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true } as never],
        eth0: [
          { address: 'fe80::1', family: 'IPv6', internal: false } as never,
          { address: '192.0.2.4', family: 'IPv4', internal: false } as never,
        ],
      }),
    ).toBe('192.0.2.4');
  });

  it('refuses a clear-text desktop on a non-loopback address, naming EDGE_TLS_CERT/EDGE_TLS_KEY', () => {
    const refuse = () => edgeNetwork({ ...base, httpHost: '0.0.0.0' });
    expect(refuse).toThrow(ConfigError);
    expect(refuse).toThrow(
      /EDGE_HTTP_HOST=0\.0\.0\.0 .*EDGE_TLS_CERT and EDGE_TLS_KEY.*EDGE_ALLOW_CLEARTEXT_HTTP=1/s,
    );
    expect(() =>
      edgeNetwork({ ...base, httpHost: '10.0.0.5', tlsCert: 'c.pem', tlsKey: 'k.pem' }),
    ).not.toThrow();
    expect(() => edgeNetwork({ ...base, httpHost: '10.0.0.5', allowClearTextHttp: true })).not.toThrow();
    expect(() => edgeNetwork({ ...base, httpHost: '127.0.0.2' })).not.toThrow();
  });

  it('refuses half a TLS pair and addresses that are not IP addresses', () => {
    expect(() => edgeNetwork({ ...base, tlsCert: 'c.pem' })).toThrow(
      /EDGE_TLS_CERT and EDGE_TLS_KEY go together/,
    );
    expect(() => edgeNetwork({ ...base, publicAddress: 'nat.example' })).toThrow(
      /EDGE_PUBLIC_ADDRESS=nat\.example/,
    );
    expect(() => edgeNetwork({ ...base, rtpHost: 'eth0 ' })).toThrow(/EDGE_RTP_HOST/);
  });
});
