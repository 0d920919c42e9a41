import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { freePort, type TestHub } from '@hcc/shared/testing';

/**
 * A proxy on the leaf -> hub link that records every byte the two servers exchange, in both
 * directions. On a TLS link (the production shape) it terminates the leaf's TLS with the hub's own
 * certificate and opens its own TLS session to the hub pinned to the hub's CA, so it records the
 * decrypted NATS protocol: what the servers say, which is what a PII check must inspect. NATS 2.9
 * sends its INFO line in clear text before the TLS upgrade; the tap forwards it, then upgrades both
 * sides.
 */
export class LinkTap {
  readonly chunks: Buffer[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async start(hub: Pick<TestHub, 'leafUrl' | 'caFile' | 'leafCert'>): Promise<string> {
    const target = new URL(hub.leafUrl);
    const targetPort = Number(target.port);
    const tls = hub.caFile && hub.leafCert ? tlsMaterial(hub.caFile, hub.leafCert) : undefined;
    const port = await freePort();
    this.server = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: targetPort });
      this.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      if (!tls) {
        this.relay(client, upstream);
        return;
      }
      // Clear-text INFO first, then TLS on both sides.
      let head = Buffer.alloc(0);
      const onInfo = (b: Buffer) => {
        head = Buffer.concat([head, b]);
        const end = head.indexOf('\r\n');
        if (end < 0) return;
        upstream.off('data', onInfo);
        upstream.pause();
        const info = head.subarray(0, end + 2);
        this.chunks.push(Buffer.from(info));
        client.write(info);
        const up = tlsConnect({ socket: upstream, ca: tls.ca, servername: 'localhost' });
        const down = new TLSSocket(client, { isServer: true, cert: tls.cert, key: tls.key });
        up.on('error', close);
        down.on('error', close);
        this.relay(down, up);
      };
      upstream.on('data', onInfo);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `${target.protocol}//127.0.0.1:${port}`;
  }

  private relay(a: Socket, b: Socket): void {
    a.on('data', (x) => this.chunks.push(Buffer.from(x)));
    b.on('data', (x) => this.chunks.push(Buffer.from(x)));
    a.pipe(b);
    b.pipe(a);
  }

  /** Every recorded byte (decrypted on a TLS link). */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function tlsMaterial(caFile: string, leafCert: { certFile: string; keyFile: string }) {
  return {
    ca: readFileSync(caFile),
    cert: readFileSync(leafCert.certFile),
    key: readFileSync(leafCert.keyFile),
  };
}
