import { Channel, Disposition, EndedBy } from '@hcc/proto';
import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { CdrBuilder } from './cdr.ts';

describe('CdrBuilder', () => {
  it('sums IVR, queue wait, ring, talk and hold into the Ended body', async () => {
    const clock = new FakeClock();
    const ref = { interactionId: 'i1', channel: Channel.VOICE, configVersion: 3n };
    const c = new CdrBuilder(clock, ref, {
      direction: 'inbound',
      trunkId: 't',
      didId: 'd',
      callerNumber: '+15551230001',
      calledNumber: '+15550100',
      sipCallId: 'x',
    });
    c.slThresholdMs = 20_000;
    c.wrapMs = 5000;
    c.ivrStarted();
    await clock.advance(3000);
    c.ivrEnded();
    c.queued('sales');
    await clock.advance(10_000);
    const leg = c.leg({ role: 'agent', agentId: 'a1', target: 'sip:a1@h', sipCallId: 'y' });
    await clock.advance(2000);
    c.legAnswered(leg, 200);
    c.connected('a1');
    await clock.advance(30_000);
    c.held();
    await clock.advance(5000);
    expect(c.resumed()).toBe(5000);
    await clock.advance(10_000);
    const rows = c.finish(Disposition.ANSWERED, EndedBy.CALLER);
    expect(rows.ended).toMatchObject({
      totalMs: 60_000,
      ivrMs: 3000,
      queueWaitMs: 12_000,
      ringMs: 2000,
      talkMs: 40_000,
      holdMs: 5000,
      wrapMs: 5000,
      answeredWithinSl: true,
      queueId: 'sales',
      agentId: 'a1',
    });
    expect(rows.cdr).toMatchObject({
      disposition: 'ANSWERED',
      endedBy: 'CALLER',
      callerNumber: '+15551230001',
    });
    expect(rows.legs[0]).toMatchObject({ result: 'answered', finalStatus: 200 });
  });

  it('an unanswered call has no talk, no wrap-up and is not within service level', () => {
    const clock = new FakeClock();
    const c = new CdrBuilder(
      clock,
      { interactionId: 'i', channel: Channel.VOICE, configVersion: 1n },
      {
        direction: 'inbound',
        trunkId: '',
        didId: '',
        callerNumber: undefined,
        calledNumber: undefined,
        sipCallId: 'x',
      },
    );
    c.wrapMs = 5000;
    const r = c.finish(Disposition.ABANDONED, EndedBy.CALLER);
    expect(r.ended).toMatchObject({ talkMs: 0, wrapMs: 0, answeredWithinSl: false });
  });
});
