// Named errors of the SIP layer. Each one carries a `name` for logs and an optional `cause`.
import type { SipMessage } from './message/message.ts';

/** Malformed input. `status` is the response a request deserves (400, 505, 416 ...) if it can be answered. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  constructor(
    readonly status: number,
    /** Short reason phrase naming the fault, safe to send back and to log (never carries message content). */
    readonly reason: string,
    options?: { cause?: unknown; partial?: SipMessage },
  ) {
    super(reason, options);
    this.partial = options?.partial;
  }
  /** What could be parsed before the fault (start line and headers), so a 400 can still be built. */
  readonly partial: SipMessage | undefined;
}

/**
 * Thrown by application handlers (or the stack itself) to end a request with a final response, the way
 * Hono turns an HTTPException into a Response.
 */
export class SipError extends Error {
  override readonly name = 'SipError';
  readonly headers: ReadonlyArray<readonly [string, string]>;
  constructor(
    readonly status: number,
    readonly reason?: string,
    options?: { cause?: unknown; headers?: ReadonlyArray<readonly [string, string]> },
  ) {
    super(`${status}${reason ? ` ${reason}` : ''}`, options);
    if (status < 300 || status > 699)
      throw new RangeError(`SipError needs a final non-2xx status, got ${status}`);
    this.headers = options?.headers ?? [];
  }
}

/** A transaction was driven through a transition the RFC 3261 §17 state machine does not have. */
export class TransactionStateError extends Error {
  override readonly name = 'TransactionStateError';
}

/** A transport could not deliver a message (connection refused, closed, no route). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/** A client transaction ended without a final response (Timer B or F fired, or the transport failed). */
export class TransactionTimeoutError extends Error {
  override readonly name = 'TransactionTimeoutError';
}
