// Connection-oriented transports (TCP and TLS): framing, keep-alives, connection reuse (RFC 3261 §18.3,
// RFC 5626 §3.5.1 CRLF keep-alives, RFC 5923-style reuse by remote address).
import { once } from 'node:events';
import type { Server, Socket } from 'node:net';
import { TransportError } from '../errors.ts';
import { StreamFramer } from './stream-framer.ts';
import type { Destination, Flow, Transport, TransportEvents, TransportProtocol } from './transport.ts';

interface Conn {
  id: string;
  socket: Socket;
  key: string;
}

export abstract class StreamTransport implements Transport {
  abstract readonly protocol: TransportProtocol;
  readonly reliable = true;
  readonly datagram = false;
  localAddress = '';
  localPort = 0;
  private server: Server | undefined;
  private events: TransportEvents | undefined;
  private readonly byId = new Map<string, Conn>();
  private readonly byRemote = new Map<string, Conn>();
  private readonly connecting = new Map<string, Promise<Conn>>();
  private nextId = 1;

  constructor(
    protected readonly host: string,
    protected readonly port: number,
    /** Idle connections are closed after this long (ms). */
    private readonly idleTimeoutMs = 15 * 60_000,
  ) {}

  protected abstract createServer(onSocket: (s: Socket) => void): Server;
  /** Opens an outgoing connection; resolves once it is ready to write (TLS: after the handshake). */
  protected abstract connectSocket(address: string, port: number): Promise<Socket>;
  /** Flow.peerVerified of a connection (TLS overrides it). */
  protected peerVerified(_socket: Socket): boolean | undefined {
    return undefined;
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  async listen(events: TransportEvents): Promise<void> {
    this.events = events;
    const server = this.createServer((s) => this.adopt(s));
    server.on('error', () => {});
    this.server = server;
    server.listen(this.port, this.host);
    await once(server, 'listening');
    const addr = server.address();
    if (addr && typeof addr !== 'string') {
      this.localAddress = addr.address;
      this.localPort = addr.port;
    }
  }

  private adopt(socket: Socket): Conn {
    const id = `${this.protocol.toLowerCase()}-${this.nextId++}`;
    const remoteAddress = stripV4Mapped(socket.remoteAddress ?? '');
    const remotePort = socket.remotePort ?? 0;
    const key = remoteKey(remoteAddress, remotePort);
    const conn: Conn = { id, socket, key };
    this.byId.set(id, conn);
    this.byRemote.set(key, conn);
    socket.setNoDelay(true);
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    const verified = this.peerVerified(socket);
    const flow: Flow = {
      transport: this,
      remoteAddress,
      remotePort,
      connectionId: id,
      ...(verified === undefined ? {} : { peerVerified: verified }),
    };
    const framer = new StreamFramer({
      message: (data) => this.events?.message(data, flow),
      ping: () => {
        if (!socket.destroyed) socket.write('\r\n');
      },
      error: (reason) => {
        // RFC 4475 §3.1.2.3: a framing error on a stream is not recoverable; close the connection.
        this.events?.malformed?.(reason, flow);
        socket.destroy();
      },
    });
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.byId.delete(id);
      if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    });
    return conn;
  }

  async send(data: Buffer, dest: Destination): Promise<void> {
    let conn = dest.connectionId ? this.byId.get(dest.connectionId) : undefined;
    if (!conn || conn.socket.destroyed) conn = this.byRemote.get(remoteKey(dest.address, dest.port));
    if (!conn || conn.socket.destroyed) conn = await this.connect(dest.address, dest.port);
    const socket = conn.socket;
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) =>
        err
          ? reject(new TransportError(`${this.protocol} write failed: ${err.message}`, { cause: err }))
          : resolve(),
      );
    });
  }

  private connect(address: string, port: number): Promise<Conn> {
    const key = remoteKey(address, port);
    let pending = this.connecting.get(key);
    if (!pending) {
      pending = this.connectSocket(address, port)
        .then((s) => this.adopt(s))
        .catch((err: unknown) => {
          throw new TransportError(`${this.protocol} connect to ${key} failed`, { cause: err });
        })
        .finally(() => this.connecting.delete(key));
      this.connecting.set(key, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    for (const c of this.byId.values()) c.socket.destroy();
    this.byId.clear();
    this.byRemote.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function remoteKey(address: string, port: number): string {
  return `${address.toLowerCase()}|${port}`;
}

export function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
