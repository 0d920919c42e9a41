// Frames SIP messages out of a byte stream (RFC 3261 §18.3): header section up to the blank line, then exactly
// Content-Length bytes. CRLF keep-alives (RFC 5626 §3.5.1) between messages are consumed and reported.
import { isDigits } from '../message/grammar.ts';
import { findHeaderEnd } from '../message/parser.ts';
import { MAX_STREAM_MESSAGE } from './transport.ts';

export interface FramerSink {
  message(data: Buffer): void;
  /** A double-CRLF ping arrived; the transport answers with a single CRLF pong. */
  ping(): void;
  /** Unrecoverable framing error: the connection must be closed. */
  error(reason: string): void;
}

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(
    private readonly sink: FramerSink,
    private readonly maxMessage = MAX_STREAM_MESSAGE,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      // Keep-alives: "\r\n\r\n" is a ping, a lone "\r\n" a pong; both are skipped.
      let i = 0;
      while (i < this.buf.length && (this.buf[i] === 13 || this.buf[i] === 10)) i++;
      if (i > 0) {
        if (i >= 4 && this.buf.toString('latin1', 0, 4) === '\r\n\r\n') this.sink.ping();
        this.buf = this.buf.subarray(i);
      }
      if (this.buf.length === 0) return;
      const end = findHeaderEnd(this.buf, 0);
      if (!end) {
        if (this.buf.length > this.maxMessage) this.fail('Header section too large');
        return;
      }
      const length = contentLength(this.buf.toString('utf8', 0, end[0]));
      if (length === undefined) {
        this.fail('Missing or bad Content-Length on a stream');
        return;
      }
      const total = end[1] + length;
      if (total > this.maxMessage) {
        this.fail('Message too large');
        return;
      }
      if (this.buf.length < total) return;
      const msg = this.buf.subarray(0, total);
      this.buf = this.buf.subarray(total);
      this.sink.message(msg);
    }
  }

  private fail(reason: string): void {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    this.sink.error(reason);
  }
}

/** Content-Length (or `l`) of a header section; undefined when missing, repeated or not a number. */
function contentLength(head: string): number | undefined {
  let found: number | undefined;
  let start = 0;
  while (start < head.length) {
    let nl = head.indexOf('\n', start);
    if (nl < 0) nl = head.length;
    const colon = head.indexOf(':', start);
    if (colon > start && colon < nl) {
      const name = head.slice(start, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        const v = head.slice(colon + 1, nl).trim();
        if (found !== undefined || !isDigits(v) || v.length > 9) return undefined;
        found = Number(v);
      }
    }
    start = nl + 1;
  }
  return found;
}
