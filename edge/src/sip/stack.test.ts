// Two stacks talking over the in-memory network with a fake clock: calls, CANCEL, loss, dialogs, errors.
import { describe, expect, it } from 'vitest';
import { SipError } from './errors.ts';
import { type SipMessage, SipRequest } from './message/message.ts';
import { parseMessage } from './message/parser.ts';
import { invite, pair } from './test-pair.ts';

const statuses = (wire: SipMessage[]) => wire.map((m) => (m.kind === 'request' ? m.method : m.status));

describe('SipStack over the in-memory network', () => {
  for (const reliable of [false, true]) {
    it(`completes INVITE/180/200/ACK/BYE (${reliable ? 'reliable' : 'UDP'})`, async () => {
      const { a, b, wire, run } = await pair(reliable);
      const acks: string[] = [];
      b.use('INVITE', (req) => {
        req.reply(180);
        req.reply(200, { body: 'v=0\r\n', contentType: 'application/sdp' });
      });
      b.use('ACK', (req) => void acks.push(req.message.callId));
      b.use('BYE', (req) => void req.reply(200));
      const out = a.send(invite(reliable ? 'sip:bob@10.0.0.2:5060;transport=tcp' : undefined));
      await run(300);
      const res = await out.final;
      expect(res.status).toBe(200);
      expect(out.dialog?.state).toBe('confirmed');
      expect(acks).toHaveLength(1);
      expect(b.dialogs.size).toBe(1);
      const bye = await Promise.all([out.dialog!.bye(), run(300)]);
      expect(bye[0].status).toBe(200);
      expect(a.dialogs.size).toBe(0);
      expect(b.dialogs.size).toBe(0);
      expect(statuses(wire)).toEqual(['INVITE', 180, 200, 'ACK', 'BYE', 200]);
      await run(40_000, 1000);
      expect(a.transactions.clientCount + a.transactions.serverCount).toBe(0);
      expect(b.transactions.clientCount + b.transactions.serverCount).toBe(0);
    });
  }

  it('sends 100 Trying when the application takes its time, then CANCEL gets 200 and the INVITE 487', async () => {
    const { a, b, wire, run } = await pair();
    let cancelled = false;
    b.use('INVITE', (req) => {
      req.onCancel(() => {
        cancelled = true;
      });
    });
    const out = a.send(invite());
    await run(300);
    out.cancel();
    await run(300);
    const res = await out.final;
    expect(res.status).toBe(487);
    expect(cancelled).toBe(true);
    expect(statuses(wire)).toEqual(['INVITE', 100, 'CANCEL', 200, 487, 'ACK']);
  });

  it('answers a CANCEL for an unknown transaction with 481', async () => {
    const { a, b, run } = await pair();
    b.use('INVITE', () => {});
    const req = invite();
    const out = a.send(req);
    await run(300);
    // Break the match: another branch.
    const cancel = new SipRequest('CANCEL', req.uriString, req.headers.clone());
    cancel.headers.delete('via');
    cancel.headers.set('CSeq', '1 CANCEL');
    cancel.headers.delete('content-type');
    const c = a.send(cancel);
    await run(300);
    expect((await c.final).status).toBe(481);
    out.cancel();
    await run(300);
  });

  it('survives loss of the first INVITE and the first 200 (retransmissions, 2xx retransmission until ACK)', async () => {
    const { a, b, net, wire, run } = await pair();
    let invites = 0;
    let oks = 0;
    net.filter = (data) => {
      const m = parseMessage(data, { datagram: true });
      wire.push(m);
      if (m.kind === 'request' && m.method === 'INVITE' && invites++ === 0) return 'drop';
      if (m.kind === 'response' && m.status === 200 && oks++ === 0) return 'drop';
      return 'pass';
    };
    let handled = 0;
    b.use('INVITE', (req) => {
      handled++;
      req.reply(200);
    });
    const out = a.send(invite());
    await run(3000);
    expect((await out.final).status).toBe(200);
    expect(handled).toBe(1);
    expect(statuses(wire)).toEqual(['INVITE', 'INVITE', 200, 200, 'ACK']);
    expect(b.dialogs.values().next().value?.awaitingAck).toBe(false);
  });

  it('a 2xx never ACKed: the dialog tells its owner at 64*T1, then sends BYE (§13.3.1.4)', async () => {
    const { a, b, wire, net, run } = await pair();
    net.filter = (data) => {
      const m = parseMessage(data, { datagram: true });
      wire.push(m);
      return m.kind === 'request' && m.method === 'ACK' ? 'drop' : 'pass';
    };
    let timedOut = 0;
    let byeAtTimeout: number | undefined;
    b.use('INVITE', (req) => {
      const d = req.reply(200, { body: 'v=0\r\n', contentType: 'application/sdp' });
      d?.onAckTimeout(() => {
        timedOut++;
        byeAtTimeout = wire.filter((m) => m.kind === 'request' && m.method === 'BYE').length;
      });
    });
    a.use('BYE', (req) => void req.reply(200));
    a.send(invite());
    await run(31_000, 500);
    expect(timedOut).toBe(0);
    await run(2_000, 500);
    expect(timedOut).toBe(1);
    expect(byeAtTimeout).toBe(0);
    expect(statuses(wire).filter((s) => s === 'BYE')).toHaveLength(1);
    expect(b.dialogs.size).toBe(0);
  });

  it('absorbs duplicated requests and responses', async () => {
    const { a, b, net, run } = await pair();
    net.filter = () => 'duplicate';
    let handled = 0;
    b.use('OPTIONS', (req) => {
      handled++;
      req.reply(200);
    });
    const out = a.send(invite('sip:bob@10.0.0.2:5060', 'OPTIONS'));
    await run(500);
    expect((await out.final).status).toBe(200);
    expect(handled).toBe(1);
  });

  it('sends BYE when the ACK never comes (§13.3.1.4)', async () => {
    const { a, b, net, wire, run } = await pair();
    net.filter = (data) => {
      const m = parseMessage(data, { datagram: true });
      wire.push(m);
      return m.kind === 'request' && m.method === 'ACK' ? 'drop' : 'pass';
    };
    b.use('INVITE', (req) => void req.reply(200));
    a.use('BYE', (req) => void req.reply(200));
    a.send(invite());
    await run(40_000, 250);
    const s = statuses(wire);
    expect(s.filter((x) => x === 200).length).toBeGreaterThanOrEqual(7);
    expect(s).toContain('BYE');
    expect(b.dialogs.size).toBe(0);
  });

  it('runs in-dialog re-INVITE, INFO, UPDATE, REFER, NOTIFY and enforces CSeq order', async () => {
    const { a, b, run } = await pair();
    const seen: string[] = [];
    b.use((req, next) => {
      seen.push(`${req.method}:${req.dialog ? 'dialog' : '-'}`);
      return next();
    });
    b.use('INVITE', (req) => void req.reply(200));
    for (const m of ['INFO', 'UPDATE', 'REFER', 'NOTIFY'])
      b.use(m, (req) => void req.reply(m === 'REFER' ? 202 : 200));
    const out = a.send(invite());
    await run(300);
    await out.final;
    const d = out.dialog!;
    const results: number[] = [];
    for (const m of ['INVITE', 'INFO', 'UPDATE', 'REFER', 'NOTIFY']) {
      const [r] = await Promise.all([d.request(m), run(300)]);
      results.push(r.status);
    }
    expect(results).toEqual([200, 200, 200, 202, 200]);
    expect(seen).toEqual([
      'INVITE:-',
      'ACK:dialog',
      'INVITE:dialog',
      'ACK:dialog',
      'INFO:dialog',
      'UPDATE:dialog',
      'REFER:dialog',
      'NOTIFY:dialog',
    ]);
    // Replay an old CSeq: 500 (§12.2.2).
    d.localSeq = 1;
    const [old] = await Promise.all([d.request('INFO'), run(300)]);
    expect(old.status).toBe(500);
  });

  it('answers 481 for a request in an unknown dialog', async () => {
    const { a, b, run } = await pair();
    b.use('BYE', (req) => void req.reply(200));
    const req = invite('sip:bob@10.0.0.2:5060', 'BYE');
    req.headers.set('To', '<sip:bob@10.0.0.2>;tag=nope');
    const out = a.send(req);
    await run(300);
    expect((await out.final).status).toBe(481);
  });

  it('turns SipError into a final response, other errors into 500, and falls back to 405/501', async () => {
    const { a, b, run } = await pair();
    b.use('OPTIONS', () => {
      throw new SipError(486, 'Busy Here');
    });
    b.use('INFO', async () => {
      throw new Error('boom');
    });
    const r1 = a.send(invite('sip:bob@10.0.0.2:5060', 'OPTIONS'));
    const r2 = a.send(invite('sip:bob@10.0.0.2:5060', 'INFO'));
    const r3 = a.send(invite('sip:bob@10.0.0.2:5060', 'MESSAGE'));
    const r4 = a.send(invite('sip:bob@10.0.0.2:5060', 'FOO'));
    await run(300);
    expect([
      (await r1.final).status,
      (await r2.final).status,
      (await r3.final).status,
      (await r4.final).status,
    ]).toEqual([486, 500, 405, 501]);
    expect((await r3.final).headers.get('allow')).toContain('OPTIONS');
    expect(b.stats.handlerErrors).toBe(1);
  });

  it('resolves with 408 when nobody answers (Timer F)', async () => {
    const { a, run } = await pair();
    const out = a.send(invite('sip:nobody@10.9.9.9:5060', 'OPTIONS'));
    await run(33_000, 500);
    expect((await out.final).status).toBe(408);
  });
});
