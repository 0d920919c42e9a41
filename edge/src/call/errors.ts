/** Named errors of the call layer; each carries a cause. The pipeline maps them to SIP responses. */

/** A call could not be set up or continued (media, signalling, config). */
export class CallError extends Error {
  override readonly name: string = 'CallError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The call session was driven through a transition its state machine does not have. */
export class CallStateError extends CallError {
  override readonly name = 'CallStateError';
}

/** A REFER named a target the edge cannot reach (unknown agent or queue, no trunk). */
export class TransferTargetError extends CallError {
  override readonly name = 'TransferTargetError';
}

/** The CDR or its events could not be written. */
export class CdrWriteError extends CallError {
  override readonly name = 'CdrWriteError';
}
