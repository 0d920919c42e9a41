import { ConfigError } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { rtpengineCommand } from './rtpengine/cli.ts';
import { hungCallSettings } from './settings-calls.ts';

describe('hung-call settings', () => {
  it('defaults to 60 s of silence, 3600 s on hold, no final timeout and Min-SE 90', () => {
    expect(hungCallSettings({})).toEqual({
      mediaTimeoutS: 60,
      holdTimeoutS: 3600,
      finalTimeoutS: 0,
      minSessionExpiresS: 90,
    });
  });

  it('refuses values that are not whole seconds, or zero where the check cannot be off', () => {
    expect(() => hungCallSettings({ EDGE_MEDIA_TIMEOUT_S: '0' })).toThrow(ConfigError);
    expect(() => hungCallSettings({ EDGE_MEDIA_TIMEOUT_S: 'soon' })).toThrow(/EDGE_MEDIA_TIMEOUT_S/);
    expect(() => hungCallSettings({ EDGE_SIP_MIN_SE: '-1' })).toThrow(/EDGE_SIP_MIN_SE/);
    expect(hungCallSettings({ EDGE_MEDIA_TIMEOUT_S: '20', EDGE_SIP_MIN_SE: '120' })).toMatchObject({
      mediaTimeoutS: 20,
      minSessionExpiresS: 120,
    });
  });

  it("gives the site's rtpengine the same timeouts (hcc-edge rtpengine)", () => {
    const { args } = rtpengineCommand({
      EDGE_DATA_DIR: '/tmp/hcc-settings-calls',
      EDGE_MEDIA_TIMEOUT_S: '30',
      EDGE_MEDIA_HOLD_TIMEOUT_S: '900',
      EDGE_MEDIA_FINAL_TIMEOUT_S: '14400',
    });
    expect(args).toEqual(
      expect.arrayContaining(['--timeout=30', '--silent-timeout=900', '--final-timeout=14400']),
    );
  });
});
