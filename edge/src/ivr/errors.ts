/** Named errors of the IVR interpreter; `detail` carries ids only, never caller data. */

export class IvrError extends Error {
  override readonly name: string = 'IvrError';
  constructor(
    message: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The flow references something the bundle does not have (validation should have caught it). */
export class FlowReferenceError extends IvrError {
  override readonly name = 'FlowReferenceError';
}

/** A flow ran more steps than allowed without ending: a cycle that waits for no input. */
export class FlowLoopError extends IvrError {
  override readonly name = 'FlowLoopError';
}

/** A node's task failed for a reason other than cancellation. */
export class IvrTaskError extends IvrError {
  override readonly name = 'IvrTaskError';
}

/** The bundle uses a feature this edge does not implement (e.g. SetVariable expressions). */
export class IvrUnsupportedError extends IvrError {
  override readonly name = 'IvrUnsupportedError';
}

export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}
