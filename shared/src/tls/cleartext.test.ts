import { describe, expect, it } from 'vitest';
import { ClearTextListenerError, checkListener, isLoopbackHost } from './cleartext.ts';

describe('clear-text listener rule', () => {
  it('knows loopback from wildcard and routable addresses', () => {
    for (const h of ['127.0.0.1', '127.0.0.53', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'hub.example.com', '128.0.0.1', ''])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('lets loopback, TLS or an explicit setting through, and names the setting otherwise', () => {
    const o = { what: 'the cloud HTTP server', allowSetting: 'CLOUD_ALLOW_CLEARTEXT_HTTP' };
    expect(() => checkListener({ ...o, host: '127.0.0.1', tls: false, allowed: false })).not.toThrow();
    expect(() => checkListener({ ...o, host: '0.0.0.0', tls: true, allowed: false })).not.toThrow();
    expect(() => checkListener({ ...o, host: '0.0.0.0', tls: false, allowed: true })).not.toThrow();
    expect(() => checkListener({ ...o, host: '0.0.0.0', tls: false, allowed: false })).toThrow(
      ClearTextListenerError,
    );
    expect(() => checkListener({ ...o, host: '10.0.0.1', tls: false, allowed: false })).toThrow(
      /the cloud HTTP server would listen in clear text on 10\.0\.0\.1.*CLOUD_ALLOW_CLEARTEXT_HTTP/,
    );
  });
});
