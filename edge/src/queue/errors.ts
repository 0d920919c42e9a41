/** Named errors of the ACD; details are ids only. */

export class AcdError extends Error {
  override readonly name: string = 'AcdError';
  constructor(
    message: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UnknownQueueError extends AcdError {
  override readonly name = 'UnknownQueueError';
}

/** The queue does not accept the interaction's channel. */
export class ChannelNotAcceptedError extends AcdError {
  override readonly name = 'ChannelNotAcceptedError';
}

/** The interaction is already known to the ACD. */
export class DuplicateInteractionError extends AcdError {
  override readonly name = 'DuplicateInteractionError';
}
