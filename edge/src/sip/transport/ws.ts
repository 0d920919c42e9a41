// SIP over WebSocket (RFC 7118): the `sip` subprotocol, one SIP message per WebSocket message.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocket, WebSocketServer } from 'ws';
import { TransportError } from '../errors.ts';
import { stripV4Mapped } from './stream.ts';
import {
  type Destination,
  type Flow,
  MAX_STREAM_MESSAGE,
  type Transport,
  type TransportEvents,
} from './transport.ts';

export interface WsOptions {
  host: string;
  port: number;
  /** Serve WSS with these credentials (TLS 1.2 minimum); plain WS otherwise. */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  /** HTTP path to accept upgrades on (default any). */
  path?: string;
}

interface Conn {
  id: string;
  ws: WebSocket;
  key: string;
}

export class WsTransport implements Transport {
  readonly protocol: 'WS' | 'WSS';
  readonly reliable = true;
  readonly datagram = false;
  localAddress = '';
  localPort = 0;
  private http: HttpServer | undefined;
  private wss: WebSocketServer | undefined;
  private events: TransportEvents | undefined;
  private readonly byId = new Map<string, Conn>();
  private readonly byRemote = new Map<string, Conn>();
  private nextId = 1;

  constructor(private readonly opts: WsOptions) {
    this.protocol = opts.tls ? 'WSS' : 'WS';
  }

  async listen(events: TransportEvents): Promise<void> {
    this.events = events;
    const http = this.opts.tls
      ? createHttpsServer({ ...this.opts.tls, minVersion: 'TLSv1.2' })
      : createHttpServer();
    http.on('error', () => {});
    const wss = new WebSocketServer({
      server: http,
      path: this.opts.path,
      maxPayload: MAX_STREAM_MESSAGE,
      // RFC 7118 §4: the client offers "sip"; refuse the handshake when it does not.
      verifyClient: (info, done) => {
        const offered = String(info.req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim());
        if (offered.includes('sip')) done(true);
        else done(false, 400, 'The sip subprotocol is required');
      },
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    wss.on('connection', (ws, req) => {
      this.adopt(ws, stripV4Mapped(req.socket.remoteAddress ?? ''), req.socket.remotePort ?? 0);
    });
    wss.on('error', () => {});
    this.http = http;
    this.wss = wss;
    http.listen(this.opts.port, this.opts.host);
    await once(http, 'listening');
    const addr = http.address();
    if (addr && typeof addr !== 'string') {
      this.localAddress = addr.address;
      this.localPort = addr.port;
    }
  }

  private adopt(ws: WebSocket, remoteAddress: string, remotePort: number): Conn {
    const id = `${this.protocol.toLowerCase()}-${this.nextId++}`;
    const key = `${remoteAddress}|${remotePort}`;
    const conn: Conn = { id, ws, key };
    this.byId.set(id, conn);
    this.byRemote.set(key, conn);
    const flow: Flow = { transport: this, remoteAddress, remotePort, connectionId: id };
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      // Keep-alive CRLFs may arrive as their own frames.
      if (!isBinary && buf.length <= 4 && buf.toString('latin1').trim() === '') return;
      this.events?.message(buf, flow);
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      this.byId.delete(id);
      if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    });
    return conn;
  }

  async send(data: Buffer, dest: Destination): Promise<void> {
    let conn = dest.connectionId ? this.byId.get(dest.connectionId) : undefined;
    if (!conn || conn.ws.readyState !== WebSocket.OPEN)
      conn = this.byRemote.get(`${dest.address}|${dest.port}`);
    if (!conn || conn.ws.readyState !== WebSocket.OPEN) conn = await this.connect(dest.address, dest.port);
    const ws = conn.ws;
    await new Promise<void>((resolve, reject) => {
      // Text frames: SIP is UTF-8 text; bodies with binary parts still travel intact as bytes.
      ws.send(data, { binary: false }, (err) =>
        err ? reject(new TransportError(`WebSocket send failed: ${err.message}`, { cause: err })) : resolve(),
      );
    });
  }

  /** Outgoing connection (used by tests and by an edge that reaches another WebSocket server). */
  private async connect(address: string, port: number): Promise<Conn> {
    const host = address.includes(':') ? `[${address}]` : address;
    const scheme = this.opts.tls ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${host}:${port}${this.opts.path ?? '/'}`, 'sip', {
      ca: this.opts.tls?.ca,
      rejectUnauthorized: this.opts.tls?.ca !== undefined,
      maxPayload: MAX_STREAM_MESSAGE,
    });
    ws.on('error', () => {});
    try {
      await Promise.race([
        once(ws, 'open'),
        once(ws, 'error').then(([e]) => {
          throw e;
        }),
      ]);
    } catch (err) {
      throw new TransportError(`WebSocket connect to ${host}:${port} failed`, { cause: err });
    }
    return this.adopt(ws, address, port);
  }

  async close(): Promise<void> {
    for (const c of this.byId.values()) c.ws.terminate();
    this.byId.clear();
    this.byRemote.clear();
    const wss = this.wss;
    const http = this.http;
    this.wss = undefined;
    this.http = undefined;
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
    if (http) await new Promise<void>((r) => http.close(() => r()));
  }
}
