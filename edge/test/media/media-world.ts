/**
 * What the MediaSession integration tests share: a real rtpengine, a temp dir with test tones made
 * by sox, and fake RTP endpoints that are all closed when the world stops.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RtpEndpoint } from './rtp-endpoint.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

export interface MediaWorld {
  rtp: RtpengineFixture;
  /** A 1 s, 8 kHz mono sine tone WAV named `<name>.wav`. */
  tone(name: string, hz: number): Promise<string>;
  /** A fake RTP party with the given SSRC, closed with the world. */
  endpoint(ssrc: number): Promise<RtpEndpoint>;
  stop(): Promise<void>;
}

export async function startMediaWorld(): Promise<MediaWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'hcc-media-'));
  const endpoints: RtpEndpoint[] = [];
  const rtp = await startRtpengine();
  return {
    rtp,
    async tone(name, hz) {
      const file = join(dir, `${name}.wav`);
      await promisify(execFile)('sox', [
        '-n',
        '-r',
        '8000',
        '-c',
        '1',
        '-b',
        '16',
        file,
        'synth',
        '1',
        'sine',
        String(hz),
      ]);
      return file;
    },
    async endpoint(ssrc) {
      const e = await RtpEndpoint.open(ssrc);
      endpoints.push(e);
      return e;
    },
    async stop() {
      for (const e of endpoints) e.close();
      await rtp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
