import { describe, expect, it } from 'vitest';
import { rtpengineArgs, rtpengineInterface } from './rtpengine-args.ts';

describe('rtpengine command line', () => {
  it('advertises the public address after ! in --interface', () => {
    expect(rtpengineInterface('10.0.0.5')).toBe('10.0.0.5');
    expect(rtpengineInterface('10.0.0.5', '203.0.113.7')).toBe('10.0.0.5!203.0.113.7');
    expect(rtpengineInterface('10.0.0.5', '10.0.0.5')).toBe('10.0.0.5');
  });

  it('renders the site recipe', () => {
    const args = rtpengineArgs({
      rtpHost: '10.0.0.5',
      advertisedAddress: '203.0.113.7',
      ng: { host: '127.0.0.1', port: 22222 },
      portMin: 30000,
      portMax: 34999,
      dtmf: { host: '::1', port: 22232 },
      recordingDir: '/var/lib/hcc-edge/recordings-spool',
    });
    expect(args).toEqual(
      expect.arrayContaining([
        '--config-file=none',
        '--table=-1',
        '--interface=10.0.0.5!203.0.113.7',
        '--listen-ng=127.0.0.1:22222',
        '--port-min=30000',
        '--port-max=34999',
        '--dtmf-log-dest=[::1]:22232',
        '--recording-dir=/var/lib/hcc-edge/recordings-spool',
        '--recording-method=pcap',
        '--delete-delay=0',
        '--timeout=60',
        '--silent-timeout=3600',
      ]),
    );
    expect(args.some((a) => a.startsWith('--final-timeout'))).toBe(false);
    expect(() => rtpengineArgs({ rtpHost: 'x', ng: { host: 'h', port: 1 }, portMin: 5, portMax: 4 })).toThrow(
      RangeError,
    );
  });

  it('passes the media timeouts the edge uses (EDGE_MEDIA_TIMEOUT_S, EDGE_MEDIA_HOLD_TIMEOUT_S)', () => {
    const base = { rtpHost: 'x', ng: { host: 'h', port: 1 }, portMin: 5, portMax: 6 };
    const args = rtpengineArgs({ ...base, timeouts: { mediaS: 20, holdS: 600, finalS: 7200 } });
    expect(args).toEqual(
      expect.arrayContaining(['--timeout=20', '--silent-timeout=600', '--final-timeout=7200']),
    );
    expect(() => rtpengineArgs({ ...base, timeouts: { mediaS: 0 } })).toThrow(RangeError);
  });
});
