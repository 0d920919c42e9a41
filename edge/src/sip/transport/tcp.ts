// TCP transport (RFC 3261 §18.3).
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { StreamTransport } from './stream.ts';

export interface TcpOptions {
  host: string;
  port: number;
  idleTimeoutMs?: number;
}

export class TcpTransport extends StreamTransport {
  readonly protocol = 'TCP' as const;

  constructor(opts: TcpOptions) {
    super(opts.host, opts.port, opts.idleTimeoutMs);
  }

  protected createServer(onSocket: (s: Socket) => void): Server {
    return createServer(onSocket);
  }

  protected async connectSocket(address: string, port: number): Promise<Socket> {
    const s = connect({ host: address, port });
    s.on('error', () => {});
    await Promise.race([
      once(s, 'connect'),
      once(s, 'error').then(([e]) => {
        throw e;
      }),
    ]);
    return s;
  }
}
