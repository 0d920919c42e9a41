// In-memory transports on a shared fake network, for tests: loss and duplication on demand, no sockets.
import { TransportError } from '../errors.ts';
import type { Destination, Flow, Transport, TransportEvents, TransportProtocol } from './transport.ts';

export type NetworkVerdict = 'pass' | 'drop' | 'duplicate';

export class MemoryNetwork {
  readonly endpoints = new Map<string, MemoryTransport>();
  /** Decides the fate of each packet (default: deliver once). */
  filter: (data: Buffer, from: MemoryTransport, to: Destination) => NetworkVerdict = () => 'pass';
  delivered = 0;

  transport(address: string, port: number, opts: { reliable?: boolean } = {}): MemoryTransport {
    return new MemoryTransport(this, address, port, opts.reliable ?? false);
  }
}

export class MemoryTransport implements Transport {
  readonly protocol: TransportProtocol;
  readonly datagram: boolean;
  private events: TransportEvents | undefined;

  constructor(
    private readonly net: MemoryNetwork,
    readonly localAddress: string,
    readonly localPort: number,
    readonly reliable: boolean,
  ) {
    this.protocol = reliable ? 'TCP' : 'UDP';
    this.datagram = !reliable;
  }

  async listen(events: TransportEvents): Promise<void> {
    this.events = events;
    this.net.endpoints.set(`${this.localAddress}|${this.localPort}`, this);
  }

  /** Injects raw bytes as if a peer at `from` had sent them. */
  inject(data: Buffer, from: { address: string; port: number }): void {
    const flow: Flow = {
      transport: this,
      remoteAddress: from.address,
      remotePort: from.port,
      connectionId: this.reliable ? `mem-${from.address}|${from.port}` : undefined,
    };
    this.events?.message(data, flow);
  }

  async send(data: Buffer, dest: Destination): Promise<void> {
    const verdict = this.net.filter(data, this, dest);
    const peer = this.net.endpoints.get(`${dest.address}|${dest.port}`);
    if (!peer) {
      if (this.reliable) throw new TransportError(`no route to ${dest.address}:${dest.port}`);
      return;
    }
    if (verdict === 'drop') return;
    const copies = verdict === 'duplicate' ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      queueMicrotask(() => {
        this.net.delivered++;
        peer.inject(Buffer.from(data), { address: this.localAddress, port: this.localPort });
      });
    }
  }

  async close(): Promise<void> {
    this.net.endpoints.delete(`${this.localAddress}|${this.localPort}`);
    this.events = undefined;
  }
}
