import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type BencodeDict, decode, type Encodable, encode } from './bencode.ts';
import { NgClosedError, NgError, NgProtocolError, NgTimeoutError } from './errors.ts';
import { NgClient } from './ng-client.ts';

interface Received {
  cookie: string;
  body: BencodeDict;
}

/** A fake rtpengine on loopback: records requests and answers with `reply(body)` (undefined = stay silent). */
async function fakeServer(reply: (body: BencodeDict, n: number) => Encodable | Buffer | undefined) {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const received: Received[] = [];
  sock.on('message', (msg, rinfo) => {
    const space = msg.indexOf(0x20);
    const cookie = msg.toString('latin1', 0, space);
    const body = decode(msg.subarray(space + 1)) as BencodeDict;
    received.push({ cookie, body });
    const out = reply(body, received.length);
    if (out === undefined) return;
    const payload = Buffer.isBuffer(out) ? out : encode(out);
    sock.send(Buffer.concat([Buffer.from(`${cookie} `), payload]), rinfo.port, rinfo.address);
  });
  return { sock, port: (sock.address() as { port: number }).port, received };
}

describe('NgClient', () => {
  const cleanup: Array<NgClient | Socket> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c.close();
  });

  async function setup(
    reply: Parameters<typeof fakeServer>[0],
    opts: { timeoutMs?: number; retries?: number; maxInFlight?: number } = {},
  ) {
    const server = await fakeServer(reply);
    const warnings: string[] = [];
    const client = await NgClient.create({
      host: '127.0.0.1',
      port: server.port,
      timeoutMs: opts.timeoutMs ?? 200,
      retries: opts.retries ?? 2,
      ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
      onWarning: (_c, w) => warnings.push(w),
    });
    cleanup.push(client, server.sock);
    return { server, client, warnings };
  }

  it('pings', async () => {
    const { client, server } = await setup(() => ({ result: 'pong' }));
    await client.ping();
    expect(server.received[0]?.body).toEqual({ command: 'ping' });
  });

  it('maps typed offer options to rtpengine keys', async () => {
    const { client, server } = await setup(() => ({ result: 'ok', sdp: 'v=0\r\n' }));
    const r = await client.offer({
      callId: 'c1',
      fromTag: 'f1',
      viaBranch: 'b1',
      sdp: 'v=0\r\n',
      replace: ['origin', 'session-connection'],
      ice: 'force',
      transportProtocol: 'UDP/TLS/RTP/SAVPF',
      rtcpMux: ['offer', 'require'],
      sdes: ['off'],
      flags: ['generate-mid'],
      codec: { strip: ['all'], except: ['PCMU', 'telephone-event'] },
      recordCall: true,
      label: 'caller',
    });
    expect(r.sdp).toBe('v=0\r\n');
    expect(server.received[0]?.body).toEqual({
      command: 'offer',
      'call-id': 'c1',
      'from-tag': 'f1',
      'via-branch': 'b1',
      sdp: 'v=0\r\n',
      replace: ['origin', 'session-connection'],
      ICE: 'force',
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['offer', 'require'],
      SDES: ['off'],
      flags: ['generate-mid'],
      codec: { strip: ['all'], except: ['PCMU', 'telephone-event'] },
      'record call': 'yes',
      label: 'caller',
    });
  });

  it('deletes with delete delay 0 by default', async () => {
    const { client, server } = await setup(() => ({ result: 'ok' }));
    await client.delete({ callId: 'c1', fromTag: 'f1', toTag: 't1' });
    await client.delete({ callId: 'c2', deleteDelay: 5 });
    expect(server.received.map((r) => r.body['delete delay'])).toEqual([0, 5]);
  });

  it('turns result error into NgError with the reason', async () => {
    const { client } = await setup(() => ({ result: 'error', 'error-reason': 'Unknown call-id' }));
    const err = await client.query({ callId: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NgError);
    expect(err).toMatchObject({ name: 'NgError', reason: 'Unknown call-id', command: 'query' });
  });

  it('surfaces warnings', async () => {
    const { client, warnings } = await setup(() => ({ result: 'ok', warning: 'codec not found' }));
    const r = await client.blockMedia({ callId: 'c', fromTag: 'f' });
    expect(r.warning).toBe('codec not found');
    expect(warnings).toEqual(['codec not found']);
  });

  it('retransmits with the same cookie until a reply arrives', async () => {
    const { client, server } = await setup((_b, n) => (n < 3 ? undefined : { result: 'pong' }), {
      timeoutMs: 50,
    });
    await client.ping();
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((r) => r.cookie)).size).toBe(1);
  });

  it('uses a fresh cookie per request', async () => {
    const { client, server } = await setup(() => ({ result: 'pong' }));
    await Promise.all([client.ping(), client.ping(), client.ping()]);
    expect(new Set(server.received.map((r) => r.cookie)).size).toBe(3);
  });

  it('rejects with NgTimeoutError after the last attempt', async () => {
    const { client, server } = await setup(() => undefined, { timeoutMs: 30, retries: 1 });
    const err = await client.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NgTimeoutError);
    expect(err).toMatchObject({ attempts: 2 });
    expect(server.received).toHaveLength(2);
    expect(client.pendingCount).toBe(0);
  });

  it('keeps at most maxInFlight requests on the wire; the others wait their turn without timing out', async () => {
    // The fake answers each request 60 ms after it arrives: with a window of 2, six pings need three rounds.
    const server = await fakeServer(() => undefined);
    server.sock.removeAllListeners('message');
    let onWire = 0;
    let maxOnWire = 0;
    const cookies: string[] = [];
    server.sock.on('message', (msg, rinfo) => {
      const cookie = msg.toString('latin1', 0, msg.indexOf(0x20));
      cookies.push(cookie);
      maxOnWire = Math.max(maxOnWire, ++onWire);
      setTimeout(() => {
        onWire--;
        server.sock.send(
          Buffer.concat([Buffer.from(`${cookie} `), encode({ result: 'pong' })]),
          rinfo.port,
          rinfo.address,
        );
      }, 60);
    });
    const client = await NgClient.create({
      host: '127.0.0.1',
      port: server.port,
      timeoutMs: 100,
      retries: 0,
      maxInFlight: 2,
    });
    cleanup.push(client, server.sock);
    const pings = Array.from({ length: 6 }, () => client.ping());
    expect(client.queuedCount).toBe(4);
    await Promise.all(pings);
    expect(maxOnWire).toBe(2);
    expect(new Set(cookies).size).toBe(6); // nobody retransmitted: queued requests had no timer running
    expect(client.queuedCount).toBe(0);
    expect(client.smoothedRttMs).toBeGreaterThanOrEqual(50);
  });

  it('a request being retransmitted frees its slot: a lost packet does not stall the queue', async () => {
    // The first packet is lost; everything else is answered at once.
    const { client, server } = await setup((_b, n) => (n === 1 ? undefined : { result: 'pong' }), {
      timeoutMs: 100,
      maxInFlight: 1,
    });
    const first = client.ping();
    const second = client.ping();
    await Promise.all([first, second]);
    const cookies = server.received.map((r) => r.cookie);
    expect(cookies).toHaveLength(3);
    expect(cookies[0]).toBe(cookies[2]); // the retransmission of the first request
    expect(cookies[1]).not.toBe(cookies[0]); // the second was sent as soon as the first timed out
  });

  it('close() rejects requests still waiting for a slot', async () => {
    const { client, server } = await setup(() => undefined, { timeoutMs: 5000, maxInFlight: 1 });
    const pending = [client.ping(), client.list()];
    expect(client.queuedCount).toBe(1);
    client.close();
    for (const r of await Promise.allSettled(pending))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(NgClosedError);
    expect(server.received.length).toBeLessThanOrEqual(1);
  });

  it('rejects an undecodable reply with NgProtocolError', async () => {
    const { client } = await setup(() => Buffer.from('d6:result'));
    await expect(client.ping()).rejects.toBeInstanceOf(NgProtocolError);
  });

  it('close() rejects pending and later requests with NgClosedError', async () => {
    const { client } = await setup(() => undefined, { timeoutMs: 5000 });
    const pending = client.list();
    client.close();
    await expect(pending).rejects.toBeInstanceOf(NgClosedError);
    await expect(client.ping()).rejects.toMatchObject({ name: 'NgClosedError' });
  });
});
