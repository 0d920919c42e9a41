/** Named error classes of the media layer. Each carries `name` and an optional `cause`. */

/** A bencoded buffer could not be decoded (truncated, bad syntax, too deep). */
export class BencodeError extends Error {
  override readonly name = 'BencodeError';
  constructor(
    message: string,
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(`${message} at byte ${offset}`, options);
  }
}

/** rtpengine answered `result: error`; `reason` is its `error-reason`. */
export class NgError extends Error {
  override readonly name = 'NgError';
  constructor(
    readonly command: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`rtpengine ${command} failed: ${reason}`, options);
  }
}

/** No reply arrived after every retransmission. */
export class NgTimeoutError extends Error {
  override readonly name = 'NgTimeoutError';
  constructor(
    readonly command: string,
    readonly cookie: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`rtpengine ${command} (cookie ${cookie}) got no reply after ${attempts} attempts`, options);
  }
}

/** The client was closed while the request was pending, or used after close. */
export class NgClosedError extends Error {
  override readonly name = 'NgClosedError';
  constructor(
    readonly command: string,
    options?: { cause?: unknown },
  ) {
    super(`rtpengine client closed (request ${command})`, options);
  }
}

/** A reply that is not a bencoded dict with a `result`, or a socket error. */
export class NgProtocolError extends Error {
  override readonly name = 'NgProtocolError';
}

/** The pool has no healthy rtpengine to place a new call on. */
export class NoMediaServerError extends Error {
  override readonly name = 'NoMediaServerError';
}

/** A media session method was called in a state that does not allow it. */
export class MediaSessionStateError extends Error {
  override readonly name = 'MediaSessionStateError';
}

/** The agent answer produced an SDP for the caller that differs from the one already sent: needs a re-INVITE. */
export class CallerSdpChangedError extends Error {
  override readonly name = 'CallerSdpChangedError';
}

/** A pcap or its RTP content could not be turned into a recording. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}
