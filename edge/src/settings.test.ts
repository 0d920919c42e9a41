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

describe('edge settings: events batching', () => {
  it('defaults to 256 events per message and a 20 ms linger, and refuses values out of range', () => {
    expect(edgeSettings({}).events).toEqual({ batchMax: 256, batchLingerMs: 20 });
    expect(edgeSettings({ EDGE_EVENTS_BATCH_MAX: '1', EDGE_EVENTS_BATCH_LINGER_MS: '0' }).events).toEqual({
      batchMax: 1,
      batchLingerMs: 0,
    });
    expect(() => edgeSettings({ EDGE_EVENTS_BATCH_MAX: '0' })).toThrow(/EDGE_EVENTS_BATCH_MAX=0/);
    expect(() => edgeSettings({ EDGE_EVENTS_BATCH_MAX: 'many' })).toThrow(/EDGE_EVENTS_BATCH_MAX/);
    expect(() => edgeSettings({ EDGE_EVENTS_BATCH_LINGER_MS: '5000' })).toThrow(
      /EDGE_EVENTS_BATCH_LINGER_MS=5000/,
    );
  });
});
