// The transport contract every SIP transport implements (UDP, TCP, TLS, WebSocket, in-memory).

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

/** Where a message came from, or where it goes: a remote address and, on stream transports, its connection. */
export interface Flow {
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Connection id on stream transports; responses and in-dialog requests reuse it while it is open. */
  readonly connectionId?: string;
  /**
   * TLS: the peer presented a certificate that the transport's CA verified (a client certificate on an
   * accepted connection, the server's on one the stack opened). Undefined on other transports.
   */
  readonly peerVerified?: boolean;
}

export interface Destination {
  address: string;
  port: number;
  connectionId?: string;
}

export interface TransportEvents {
  /** A complete message (a datagram, or one framed message from a stream). */
  message(data: Buffer, flow: Flow): void;
  /** Input that could not be framed (stream transports close the connection); counted by the stack. */
  malformed?(reason: string, flow: Flow): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** Datagram semantics: one message per packet, missing Content-Length means the rest of the packet. */
  readonly datagram: boolean;
  /** Bound address (IPv4 or IPv6, without brackets) and port; valid after listen(). */
  readonly localAddress: string;
  readonly localPort: number;
  listen(events: TransportEvents): Promise<void>;
  /**
   * Sends one message. Stream transports use `connectionId` when that connection is open, else an open
   * connection to address:port, else they connect (a WebSocket server cannot, and rejects).
   */
  send(data: Buffer, dest: Destination): Promise<void>;
  close(): Promise<void>;
}

/** The largest message accepted over UDP (the limit; RFC 3261 §18.1.1 keeps requests under MTU). */
export const MAX_DATAGRAM = 16 * 1024;
/** The largest message accepted over a stream before the connection is considered hostile. */
export const MAX_STREAM_MESSAGE = 64 * 1024;
