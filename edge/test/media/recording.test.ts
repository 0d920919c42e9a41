/** A recorded call through a real rtpengine: pcap + metadata -> stereo WAV, caller left, agent right. */

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertRecording, findRecording, MediaSession } from '../../src/media/index.ts';
import { readPcm16Wav } from '../../src/media/wav.ts';
import { RtpEndpoint, sdpPort } from './rtp-endpoint.ts';
import { type RtpengineFixture, startRtpengine } from './rtpengine-fixture.ts';

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe('recording through a real rtpengine', () => {
  let rtp: RtpengineFixture;
  let out: string;
  beforeAll(async () => {
    rtp = await startRtpengine();
    out = await mkdtemp(join(tmpdir(), 'hcc-wav-'));
  });
  afterAll(async () => {
    await rtp?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('turns a call with RTP both ways into a stereo WAV of the right length', async () => {
    const caller = await RtpEndpoint.open(0xe1);
    const agent = await RtpEndpoint.open(0xe2);
    const callId = `rec-${Date.now()}`;
    const s = new MediaSession({ client: rtp.client, callId, callerTag: 'ft', record: true });
    // The call's real length, from the first RTP packet to the last: on a loaded machine the senders'
    // timers stretch the nominal 3 s, and the WAV must match the call, not the plan.
    let firstPacketAt = 0;
    let lastPacketAt = 0;
    try {
      await s.offerFromCaller(caller.sdp());
      expect(s.recordings[0]).toMatch(new RegExp(`/pcaps/${callId}-[0-9a-f]+\\.pcap$`));
      const toCaller = sdpPort(await s.park());
      firstPacketAt = performance.now();
      await caller.sendTone(toCaller, 1000, 440); // IVR second: caller only
      const { sdp } = await s.connectBranch({ webrtc: false });
      await s.answerBranch(agent.sdp());
      // 2 s of conversation: both talk at once.
      await Promise.all([caller.sendTone(toCaller, 2000, 440), agent.sendTone(sdpPort(sdp), 2000, 1000)]);
      lastPacketAt = performance.now();
    } finally {
      await s.end();
      caller.close();
      agent.close();
    }
    const files = await waitFor('finished recording', () => findRecording(rtp.recordingDir, callId), 10_000);
    expect(files.pcapPath).toBe(s.recordings[0]);
    const wavPath = join(out, `${callId}.wav`);
    const result = await convertRecording({
      pcapPath: files.pcapPath,
      metadataPath: files.metadataPath,
      wavPath,
    });

    expect(Math.abs(result.durationMs - (lastPacketAt - firstPacketAt))).toBeLessThan(500);
    expect(result.caller.packets).toBeGreaterThanOrEqual(140);
    expect(result.agent.packets).toBeGreaterThanOrEqual(90);
    const wav = await readFile(wavPath);
    expect(result.sha256).toBe(createHash('sha256').update(wav).digest('hex'));
    const { sampleRate, channels } = readPcm16Wav(wav);
    expect(sampleRate).toBe(8000);
    const [left, right] = channels as [Int16Array, Int16Array];
    expect(rms(left.subarray(0, 8000))).toBeGreaterThan(1000); // caller during IVR
    expect(rms(right.subarray(0, 7000))).toBeLessThan(1); // no agent yet
    expect(rms(left.subarray(8000 * 1.2, 8000 * 2.8))).toBeGreaterThan(1000);
    expect(rms(right.subarray(8000 * 1.2, 8000 * 2.8))).toBeGreaterThan(1000);
  });
});
