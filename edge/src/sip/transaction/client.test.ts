import { describe, expect, it } from 'vitest';
import { TransactionStateError } from '../errors.ts';
import type { SipResponse } from '../message/message.ts';
import { InviteClientState, InviteClientTransaction } from './invite-client.ts';
import { NonInviteClientState, NonInviteClientTransaction } from './non-invite-client.ts';
import { harness, makeRequest, respond, sendTimes } from './test-helpers.ts';

function tu() {
  const responses: SipResponse[] = [];
  const failures: string[] = [];
  return {
    responses,
    failures,
    onResponse: (r: SipResponse) => responses.push(r),
    onFailure: (c: string) => failures.push(c),
  };
}

describe('InviteClientTransaction (§17.1.1, RFC 6026)', () => {
  it('retransmits on Timer A doubling and gives up on Timer B', () => {
    const h = harness();
    const u = tu();
    const tx = new InviteClientTransaction('k', makeRequest('INVITE'), h.deps, u);
    tx.start();
    const times = sendTimes(h, 33_000, (m) => m.kind === 'request');
    // Initial send at 0 is not in `times`; retransmissions at 500, 1500, 3500, 7500, 15500, 31500.
    expect(times).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(u.failures).toEqual(['timeout']);
    expect(h.clock.pending).toBe(0);
    expect(h.terminated).toBe(1);
  });

  it('sends nothing more on reliable transports and still times out', () => {
    const h = harness(true);
    const u = tu();
    new InviteClientTransaction('k', makeRequest('INVITE'), h.deps, u).start();
    h.clock.advanceSync(32_000);
    expect(h.sent).toHaveLength(1);
    expect(u.failures).toEqual(['timeout']);
  });

  it('stops retransmitting on a provisional response', () => {
    const h = harness();
    const u = tu();
    const req = makeRequest('INVITE');
    const tx = new InviteClientTransaction('k', req, h.deps, u);
    tx.start();
    tx.receiveResponse(respond(req, 180));
    expect(tx.state).toBe(InviteClientState.Proceeding);
    h.clock.advanceSync(60_000);
    expect(h.sent).toHaveLength(1);
    expect(u.failures).toEqual([]);
    expect(u.responses.map((r) => r.status)).toEqual([180]);
  });

  it('ACKs a non-2xx final response, absorbs its retransmissions, ends on Timer D', () => {
    const h = harness();
    const u = tu();
    const req = makeRequest('INVITE');
    const tx = new InviteClientTransaction('k', req, h.deps, u);
    tx.start();
    const busy = respond(req, 486);
    tx.receiveResponse(busy);
    expect(tx.state).toBe(InviteClientState.Completed);
    const ack = h.sent[1]!;
    expect(ack.kind === 'request' && ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ack.toTag).toBe('b1');
    expect(ack.topVia.params.get('branch')).toBe('z9hG4bKtest1');
    tx.receiveResponse(busy); // duplicated by the network
    expect(h.sent).toHaveLength(3);
    expect(u.responses).toHaveLength(1);
    h.clock.advanceSync(31_999);
    expect(tx.state).toBe(InviteClientState.Completed);
    h.clock.advanceSync(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('moves to Accepted on 2xx, passes 2xx retransmissions up, ends on Timer M', () => {
    const h = harness();
    const u = tu();
    const req = makeRequest('INVITE');
    const tx = new InviteClientTransaction('k', req, h.deps, u);
    tx.start();
    tx.receiveResponse(respond(req, 200));
    expect(tx.state).toBe(InviteClientState.Accepted);
    tx.receiveResponse(respond(req, 200));
    tx.receiveResponse(respond(req, 486)); // not after a 2xx
    expect(u.responses.map((r) => r.status)).toEqual([200, 200]);
    expect(h.sent).toHaveLength(1); // the TU, not the transaction, ACKs a 2xx
    h.clock.advanceSync(32_000);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('reports transport errors before a final response', () => {
    const h = harness();
    const u = tu();
    const tx = new InviteClientTransaction('k', makeRequest('INVITE'), h.deps, u);
    tx.start();
    tx.transportError(new Error('refused'));
    expect(u.failures).toEqual(['transport-error']);
    expect(tx.terminationCause).toBe('transport-error');
  });

  it('throws on an illegal transition', () => {
    const h = harness();
    const tx = new InviteClientTransaction('k', makeRequest('INVITE'), h.deps, tu());
    // Reach into the guard: Calling -> Confirmed does not exist.
    expect(() => (tx as unknown as { transition(s: string): void }).transition('Confirmed')).toThrow(
      TransactionStateError,
    );
  });
});

describe('NonInviteClientTransaction (§17.1.2)', () => {
  it('retransmits with Timer E capped at T2 and times out on Timer F', () => {
    const h = harness();
    const u = tu();
    const tx = new NonInviteClientTransaction('k', makeRequest('OPTIONS'), h.deps, u);
    tx.start();
    const times = sendTimes(h, 33_000, (m) => m.kind === 'request');
    expect(times).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(u.failures).toEqual(['timeout']);
  });

  it('retransmits every T2 in Proceeding', () => {
    const h = harness();
    const req = makeRequest('OPTIONS');
    const tx = new NonInviteClientTransaction('k', req, h.deps, tu());
    tx.start();
    tx.receiveResponse(respond(req, 100));
    expect(tx.state).toBe(NonInviteClientState.Proceeding);
    const times = sendTimes(h, 10_000, (m) => m.kind === 'request');
    expect(times).toEqual([500, 4500, 8500]);
  });

  it('completes on a final response, absorbs duplicates, ends after Timer K', () => {
    const h = harness();
    const u = tu();
    const req = makeRequest('OPTIONS');
    const tx = new NonInviteClientTransaction('k', req, h.deps, u);
    tx.start();
    tx.receiveResponse(respond(req, 200));
    tx.receiveResponse(respond(req, 200));
    expect(u.responses).toHaveLength(1);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    h.clock.advanceSync(5000);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
    expect(h.clock.pending).toBe(0);
  });

  it('ends at once after the final response on a reliable transport (Timer K = 0)', () => {
    const h = harness(true);
    const req = makeRequest('OPTIONS');
    const tx = new NonInviteClientTransaction('k', req, h.deps, tu());
    tx.start();
    tx.receiveResponse(respond(req, 200));
    h.clock.advanceSync(0);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
  });
});
