/** Domain errors of the control plane; the HTTP layer maps each to one status (api/errors.ts). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} not found`, options);
  }
}

export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

export interface Problem {
  field: string;
  problem: string;
}

/** A request body or parameter is invalid; each problem names the field. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.field}: ${p.problem}`).join('; '));
  }
}

/** The caller made too many requests; it may try again after `retryAfterS` seconds. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterS: number) {
    super(`too many requests: retry after ${retryAfterS} s`);
  }
}
