// Shared fixtures for the transaction unit tests (not exported from the package).
import { FakeClock } from '@hcc/shared';
import { silentSipLogger } from '../logger.ts';
import { createResponse } from '../message/build.ts';
import { Headers } from '../message/headers.ts';
import { type SipMessage, SipRequest, type SipResponse } from '../message/message.ts';
import { DEFAULT_TIMERS, type TransactionDeps } from './transaction.ts';

export function makeRequest(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const h = Headers.from([
    ['Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}`],
    ['Max-Forwards', '70'],
    ['From', '<sip:alice@example.com>;tag=a1'],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', 'call-1'],
    ['CSeq', `1 ${method}`],
  ]);
  return new SipRequest(method, 'sip:bob@example.com', h);
}

export function respond(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, { toTag: 'b1' });
}

export interface Harness {
  clock: FakeClock;
  sent: SipMessage[];
  deps: TransactionDeps;
  terminated: number;
}

export function harness(reliable = false): Harness {
  const clock = new FakeClock(0);
  const sent: SipMessage[] = [];
  const h: Harness = {
    clock,
    sent,
    terminated: 0,
    deps: {
      clock,
      timers: DEFAULT_TIMERS,
      reliable,
      logger: silentSipLogger,
      send: (m) => sent.push(m),
      onTerminated: () => {
        h.terminated++;
      },
    },
  };
  return h;
}

/** Times (ms) at which the harness saw a message matching `pred`, by advancing the clock in 50 ms steps. */
export function sendTimes(h: Harness, until: number, pred: (m: SipMessage) => boolean): number[] {
  const times: number[] = [];
  let seen = h.sent.filter(pred).length;
  for (let t = 0; t < until; t += 50) {
    h.clock.advanceSync(50);
    const now = h.sent.filter(pred).length;
    for (let i = seen; i < now; i++) times.push(h.clock.now());
    seen = now;
  }
  return times;
}
