import { FakeClock } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { DigitBuffer, digitFromInfo, sleepOn } from './digits.ts';

describe('DigitBuffer', () => {
  it('hands buffered digits first, wakes a waiter, times out with an empty string', async () => {
    const clock = new FakeClock();
    const b = new DigitBuffer(clock);
    const signal = new AbortController().signal;
    b.push('1');
    expect(await b.next(1000, signal)).toBe('1');
    const waiting = b.next(1000, signal);
    b.push('2');
    expect(await waiting).toBe('2');
    const timeout = b.next(1000, signal);
    await clock.advance(1000);
    expect(await timeout).toBe('');
  });

  it('drops digits while discarding, keeps a barge-in digit, rejects on abort', async () => {
    const clock = new FakeClock();
    const b = new DigitBuffer(clock);
    b.mode = 'discard';
    b.push('5');
    b.mode = 'buffer';
    b.putBack('9');
    const ac = new AbortController();
    expect(await b.next(10, ac.signal)).toBe('9');
    const p = b.next(1000, ac.signal);
    ac.abort(new Error('hung up'));
    await expect(p).rejects.toThrow('hung up');
    await expect(sleepOn(clock, 10, ac.signal)).rejects.toThrow('hung up');
  });

  it('reads SIP INFO bodies', () => {
    expect(digitFromInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160')).toBe('5');
    expect(digitFromInfo('application/dtmf-relay', 'Signal=#\r\n')).toBe('#');
    expect(digitFromInfo('application/dtmf', '7')).toBe('7');
    expect(digitFromInfo('text/plain', '7')).toBeUndefined();
    expect(digitFromInfo('application/dtmf-relay', 'Signal=x')).toBeUndefined();
  });
});
