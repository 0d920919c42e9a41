import { describe, expect, it } from 'vitest';
import { edgeSettings } from './settings.ts';

describe('edge settings: rtpengine ng stays on loopback', () => {
  it('accepts loopback ng addresses and refuses others unless EDGE_ALLOW_REMOTE_RTPENGINE=1', () => {
    expect(edgeSettings({ EDGE_RTPENGINE_NG: '127.0.0.1:22222,[::1]:22223' }).rtpengines).toEqual([
      { host: '127.0.0.1', port: 22222 },
      { host: '::1', port: 22223 },
    ]);
    expect(() => edgeSettings({ EDGE_RTPENGINE_NG: '10.0.0.7:22222' })).toThrow(
      /EDGE_RTPENGINE_NG: 10\.0\.0\.7:22222 is not loopback.*EDGE_ALLOW_REMOTE_RTPENGINE=1/,
    );
    expect(
      edgeSettings({ EDGE_RTPENGINE_NG: '10.0.0.7:22222', EDGE_ALLOW_REMOTE_RTPENGINE: '1' }).rtpengines,
    ).toEqual([{ host: '10.0.0.7', port: 22222 }]);
  });
});
