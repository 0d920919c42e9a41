import { describe, expect, it } from 'vitest';
import { InviteServerState, InviteServerTransaction } from './invite-server.ts';
import { NonInviteServerState, NonInviteServerTransaction } from './non-invite-server.ts';
import { harness, makeRequest, respond, sendTimes } from './test-helpers.ts';

describe('InviteServerTransaction (§17.2.1, RFC 6026)', () => {
  it('sends 100 Trying when the TU is silent for 200 ms', () => {
    const h = harness();
    const tx = new InviteServerTransaction('k', makeRequest('INVITE'), h.deps);
    h.clock.advanceSync(199);
    expect(h.sent).toHaveLength(0);
    h.clock.advanceSync(1);
    expect(h.sent.map((m) => m.kind === 'response' && m.status)).toEqual([100]);
    // A retransmitted INVITE gets the last provisional again.
    tx.receiveRequest(makeRequest('INVITE'));
    expect(h.sent).toHaveLength(2);
  });

  it('does not send 100 when the TU answers first', () => {
    const h = harness();
    const req = makeRequest('INVITE');
    const tx = new InviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 180));
    h.clock.advanceSync(1000);
    expect(h.sent.map((m) => m.kind === 'response' && m.status)).toEqual([180]);
  });

  it('retransmits a non-2xx final on Timer G until the ACK, then waits Timer I', () => {
    const h = harness();
    const req = makeRequest('INVITE');
    const tx = new InviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 486));
    expect(tx.state).toBe(InviteServerState.Completed);
    const times = sendTimes(h, 12_000, () => true);
    expect(times).toEqual([500, 1500, 3500, 7500, 11500]);
    const ack = makeRequest('ACK');
    tx.receiveRequest(ack);
    expect(tx.state).toBe(InviteServerState.Confirmed);
    tx.receiveRequest(ack); // duplicate ACK absorbed
    const before = h.sent.length;
    h.clock.advanceSync(5000);
    expect(h.sent.length).toBe(before);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(h.clock.pending).toBe(0);
  });

  it('gives up on Timer H when no ACK arrives', () => {
    const h = harness();
    const req = makeRequest('INVITE');
    const failures: string[] = [];
    const tx = new InviteServerTransaction('k', req, h.deps, { onFailure: (c) => failures.push(c) });
    tx.respond(respond(req, 404));
    h.clock.advanceSync(32_000);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(failures).toEqual(['timeout']);
  });

  it('re-sends the final response for a retransmitted INVITE in Completed', () => {
    const h = harness(true);
    const req = makeRequest('INVITE');
    const tx = new InviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 486));
    tx.receiveRequest(makeRequest('INVITE'));
    expect(h.sent.map((m) => m.kind === 'response' && m.status)).toEqual([486, 486]);
  });

  it('absorbs INVITE retransmissions in Accepted and ends on Timer L', () => {
    const h = harness();
    const req = makeRequest('INVITE');
    const tx = new InviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 200));
    expect(tx.state).toBe(InviteServerState.Accepted);
    tx.receiveRequest(makeRequest('INVITE'));
    expect(h.sent).toHaveLength(1);
    tx.respond(respond(req, 200)); // TU retransmission of the 2xx passes through
    expect(h.sent).toHaveLength(2);
    h.clock.advanceSync(32_000);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('refuses a response after the final one', () => {
    const h = harness();
    const req = makeRequest('INVITE');
    const tx = new InviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 486));
    expect(() => tx.respond(respond(req, 200))).toThrow();
  });
});

describe('NonInviteServerTransaction (§17.2.2)', () => {
  it('absorbs retransmissions in Trying and answers them afterwards', () => {
    const h = harness();
    const req = makeRequest('OPTIONS');
    const tx = new NonInviteServerTransaction('k', req, h.deps);
    tx.receiveRequest(req);
    expect(h.sent).toHaveLength(0);
    tx.respond(respond(req, 100));
    expect(tx.state).toBe(NonInviteServerState.Proceeding);
    tx.receiveRequest(req);
    expect(h.sent).toHaveLength(2);
    tx.respond(respond(req, 200));
    tx.receiveRequest(req);
    expect(h.sent.map((m) => m.kind === 'response' && m.status)).toEqual([100, 100, 200, 200]);
    h.clock.advanceSync(31_999);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    h.clock.advanceSync(1);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
  });

  it('terminates at once on reliable transports (Timer J = 0)', () => {
    const h = harness(true);
    const req = makeRequest('BYE');
    const tx = new NonInviteServerTransaction('k', req, h.deps);
    tx.respond(respond(req, 200));
    h.clock.advanceSync(0);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
  });
});
