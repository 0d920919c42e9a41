import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@hcc/shared/testing';

/** A TCP proxy on the leaf -> hub link that records every byte in both directions. */
export class LinkTap {
  readonly chunks: Buffer[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async start(targetHost: string, targetPort: number): Promise<number> {
    const port = await freePort();
    this.server = createServer((client) => {
      const upstream = createConnection({ host: targetHost, port: targetPort });
      this.sockets.add(client).add(upstream);
      client.on('data', (b) => this.chunks.push(Buffer.from(b)));
      upstream.on('data', (b) => this.chunks.push(Buffer.from(b)));
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return port;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
