// TLS transport (RFC 3261 §26.2.1) over node:tls; TLS 1.2 is the floor.
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';
import { connect, createServer, type SecureContextOptions, TLSSocket } from 'node:tls';
import { StreamTransport } from './stream.ts';

export interface TlsOptions {
  host: string;
  port: number;
  /** PEM certificate chain and key presented to peers. */
  cert: string | Buffer;
  key: string | Buffer;
  /** CAs trusted for outgoing connections (and client certificates when `requestCert`). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the server certificate on outgoing connections (default true). */
  rejectUnauthorized?: boolean;
  /**
   * Ask connecting peers for a certificate. A peer without one (a phone) still connects; whether the
   * certificate verified is on each message's Flow.peerVerified, for the layer above to decide.
   */
  requestCert?: boolean;
  idleTimeoutMs?: number;
}

export class TlsTransport extends StreamTransport {
  readonly protocol = 'TLS' as const;

  constructor(private readonly opts: TlsOptions) {
    super(opts.host, opts.port, opts.idleTimeoutMs);
  }

  private context(): SecureContextOptions {
    return { cert: this.opts.cert, key: this.opts.key, ca: this.opts.ca, minVersion: 'TLSv1.2' };
  }

  protected createServer(onSocket: (s: Socket) => void): Server {
    return createServer(
      { ...this.context(), requestCert: this.opts.requestCert ?? false, rejectUnauthorized: false },
      onSocket,
    );
  }

  protected override peerVerified(socket: Socket): boolean {
    return socket instanceof TLSSocket && socket.authorized;
  }

  protected async connectSocket(address: string, port: number): Promise<Socket> {
    const s = connect({
      ...this.context(),
      host: address,
      port,
      rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
      servername: address.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(address) ? undefined : address,
    });
    s.on('error', () => {});
    await Promise.race([
      once(s, 'secureConnect'),
      once(s, 'error').then(([e]) => {
        throw e;
      }),
    ]);
    return s;
  }
}
