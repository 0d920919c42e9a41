// One contract, every transport: UDP and TCP on IPv4 and IPv6, TLS, WS, WSS and the in-memory one.
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TransportError } from '../errors.ts';
import { MemoryNetwork } from './memory.ts';
import { TcpTransport } from './tcp.ts';
import { makeTestCert } from './test-cert.ts';
import { TlsTransport } from './tls.ts';
import type { Flow, Transport } from './transport.ts';
import { UdpTransport } from './udp.ts';
import { WsTransport } from './ws.ts';

const cert = makeTestCert();

interface Endpoint {
  t: Transport;
  got: Array<{ data: Buffer; flow: Flow }>;
  malformed: string[];
}

type Factory = () => Transport;
const memNet = new MemoryNetwork();
let memPort = 7000;
const FACTORIES: Record<string, { make: Factory; host: string }> = {
  'UDP/IPv4': { make: () => new UdpTransport({ host: '127.0.0.1', port: 0 }), host: '127.0.0.1' },
  'UDP/IPv6': { make: () => new UdpTransport({ host: '::1', port: 0 }), host: '::1' },
  'TCP/IPv4': { make: () => new TcpTransport({ host: '127.0.0.1', port: 0 }), host: '127.0.0.1' },
  'TCP/IPv6': { make: () => new TcpTransport({ host: '::1', port: 0 }), host: '::1' },
  TLS: {
    make: () => new TlsTransport({ host: '127.0.0.1', port: 0, ...cert, ca: cert.cert }),
    host: '127.0.0.1',
  },
  WS: { make: () => new WsTransport({ host: '127.0.0.1', port: 0 }), host: '127.0.0.1' },
  WSS: {
    make: () => new WsTransport({ host: '127.0.0.1', port: 0, tls: { ...cert, ca: cert.cert } }),
    host: '127.0.0.1',
  },
  'memory/datagram': { make: () => memNet.transport('10.1.0.1', memPort++), host: '10.1.0.1' },
  'memory/reliable': {
    make: () => memNet.transport('10.1.0.1', memPort++, { reliable: true }),
    host: '10.1.0.1',
  },
};

function sipMessage(bodyLen = 0, tag = 'x'): Buffer {
  const body = 'b'.repeat(bodyLen);
  return Buffer.from(
    `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK${tag}\r\nCall-ID: ${tag}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const open: Transport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function endpoint(make: Factory): Promise<Endpoint> {
  const t = make();
  const e: Endpoint = { t, got: [], malformed: [] };
  await t.listen({
    message: (data, flow) => e.got.push({ data, flow }),
    malformed: (r) => e.malformed.push(r),
  });
  open.push(t);
  return e;
}

for (const [name, f] of Object.entries(FACTORIES)) {
  describe(`transport contract: ${name}`, () => {
    it('delivers a message and the reply over the same flow', async () => {
      const server = await endpoint(f.make);
      const client = await endpoint(f.make);
      await client.t.send(sipMessage(0, 'one'), { address: f.host, port: server.t.localPort });
      await until(() => server.got.length === 1);
      const { data, flow } = server.got[0]!;
      expect(data.toString()).toContain('Call-ID: one');
      expect(flow.transport).toBe(server.t);
      expect(flow.remoteAddress).toBe(f.host);
      await server.t.send(sipMessage(0, 'two'), {
        address: flow.remoteAddress,
        port: flow.remotePort,
        connectionId: flow.connectionId,
      });
      await until(() => client.got.length === 1);
      expect(client.got[0]!.data.toString()).toContain('Call-ID: two');
      if (server.t.reliable) expect(client.got[0]!.flow.connectionId).toBeDefined();
    });

    it('carries a 12 KiB message intact', async () => {
      const server = await endpoint(f.make);
      const client = await endpoint(f.make);
      const big = sipMessage(12 * 1024, 'big');
      await client.t.send(big, { address: f.host, port: server.t.localPort });
      await until(() => server.got.length === 1);
      expect(server.got[0]!.data.equals(big)).toBe(true);
    });

    it('reuses one connection for several messages', async () => {
      const server = await endpoint(f.make);
      const client = await endpoint(f.make);
      for (let i = 0; i < 5; i++)
        await client.t.send(sipMessage(10, `m${i}`), { address: f.host, port: server.t.localPort });
      await until(() => server.got.length === 5);
      expect(server.got.map((g) => g.data.toString().match(/Call-ID: (\w+)/)![1])).toEqual([
        'm0',
        'm1',
        'm2',
        'm3',
        'm4',
      ]);
      if (server.t.reliable) expect(new Set(server.got.map((g) => g.flow.connectionId)).size).toBe(1);
    });

    it('reports delivery failures the way its kind allows', async () => {
      const client = await endpoint(f.make);
      const send = client.t.send(sipMessage(), { address: f.host, port: f.host.startsWith('10.') ? 1 : 9 });
      if (client.t.reliable) await expect(send).rejects.toBeInstanceOf(TransportError);
      else await expect(send).resolves.toBeUndefined();
    });
  });
}

describe('stream framing details', () => {
  it('TCP: splits coalesced messages, answers a CRLF ping, survives byte-by-byte delivery', async () => {
    const server = await endpoint(FACTORIES['TCP/IPv4']!.make);
    const sock = netConnect({ host: '127.0.0.1', port: server.t.localPort });
    await once(sock, 'connect');
    const pongs: Buffer[] = [];
    sock.on('data', (d) => pongs.push(d));
    sock.write(Buffer.concat([sipMessage(3, 'a'), Buffer.from('\r\n\r\n'), sipMessage(4, 'b')]));
    for (const byte of sipMessage(5, 'c')) sock.write(Buffer.from([byte]));
    await until(() => server.got.length === 3 && pongs.length > 0);
    expect(Buffer.concat(pongs).toString()).toBe('\r\n');
    sock.destroy();
  });

  it('TCP: a negative Content-Length closes the connection (RFC 4475 §3.1.2.3)', async () => {
    const server = await endpoint(FACTORIES['TCP/IPv4']!.make);
    const sock = netConnect({ host: '127.0.0.1', port: server.t.localPort });
    await once(sock, 'connect');
    sock.on('error', () => {});
    sock.write('INVITE sip:a@b SIP/2.0\r\nContent-Length: -999\r\n\r\n');
    await once(sock, 'close');
    expect(server.malformed).toEqual(['Missing or bad Content-Length on a stream']);
  });

  it('TLS: refuses TLS 1.1', async () => {
    const server = await endpoint(FACTORIES.TLS!.make);
    const sock = tlsConnect({
      host: '127.0.0.1',
      port: server.t.localPort,
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      rejectUnauthorized: false,
    });
    const [err] = await once(sock, 'error');
    expect(String(err)).toMatch(/version|protocol|alert/i);
  });

  it('TLS: tells whether the peer presented a certificate the CA verifies (Flow.peerVerified)', async () => {
    const server = await endpoint(
      () => new TlsTransport({ host: '127.0.0.1', port: 0, ...cert, ca: cert.cert, requestCert: true }),
    );
    const send = async (client: { cert?: string | Buffer; key?: string | Buffer }, tag: string) => {
      const sock = tlsConnect({ host: '127.0.0.1', port: server.t.localPort, ca: cert.cert, ...client });
      sock.on('error', () => {});
      await once(sock, 'secureConnect');
      sock.write(sipMessage(0, tag));
      await until(() => server.got.some((g) => g.data.includes(`Call-ID: ${tag}`)));
      sock.destroy();
      return server.got.find((g) => g.data.includes(`Call-ID: ${tag}`))!.flow.peerVerified;
    };
    // A phone without a certificate still connects; only a verified certificate counts.
    expect(await send({}, 'anonymous')).toBe(false);
    expect(await send({ cert: cert.cert, key: cert.key }, 'certified')).toBe(true);
  });

  it('WS: refuses a handshake without the sip subprotocol', async () => {
    const server = await endpoint(FACTORIES.WS!.make);
    const ws = new WebSocket(`ws://127.0.0.1:${server.t.localPort}/`, 'chat');
    const [err] = await once(ws, 'error');
    expect(String(err)).toContain('400');
    expect(server.got).toHaveLength(0);
  });
});
