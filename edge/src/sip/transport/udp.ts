// UDP transport (RFC 3261 §18) over node:dgram, IPv4 or IPv6.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { TransportError } from '../errors.ts';
import {
  type Destination,
  type Flow,
  MAX_DATAGRAM,
  type Transport,
  type TransportEvents,
} from './transport.ts';

export interface UdpOptions {
  host: string;
  port: number;
  /** Kernel receive buffer; SIP bursts need more than the default. */
  recvBufferSize?: number;
}

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly datagram = true;
  private socket: Socket | undefined;
  localAddress = '';
  localPort = 0;

  constructor(private readonly opts: UdpOptions) {}

  async listen(events: TransportEvents): Promise<void> {
    const family = this.opts.host.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket({ type: family, ipv6Only: family === 'udp6' });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      const flow: Flow = { transport: this, remoteAddress: rinfo.address, remotePort: rinfo.port };
      if (data.length > MAX_DATAGRAM) {
        events.malformed?.('Datagram too large', flow);
        return;
      }
      events.message(data, flow);
    });
    // ICMP errors and the like must not take the process down.
    socket.on('error', () => {});
    socket.bind(this.opts.port, this.opts.host);
    await once(socket, 'listening');
    try {
      socket.setRecvBufferSize(this.opts.recvBufferSize ?? 4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      /* capped by the kernel: fine */
    }
    const addr = socket.address();
    this.localAddress = addr.address;
    this.localPort = addr.port;
  }

  send(data: Buffer, dest: Destination): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new TransportError('UDP transport is not listening'));
    return new Promise((resolve, reject) => {
      socket.send(data, dest.port, dest.address, (err) =>
        err ? reject(new TransportError(`UDP send failed: ${err.message}`, { cause: err })) : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
