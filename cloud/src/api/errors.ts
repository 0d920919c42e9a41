import { ConfigRejectReason } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import type { Context } from 'hono';
import { ReportParamError } from '../analytics/reports.ts';
import { InvalidDraftError } from '../config/publish.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../errors.ts';
import { EnrollmentTokenError } from '../sites/enrollment-tokens.ts';

/**
 * Maps domain errors to responses, the way Hono maps an HTTPException: 404 for anything not found in
 * the caller's tenant (another tenant's ids included), 422 with `{field, problem}` for invalid input,
 * 429 with `Retry-After` for a caller over its rate limit.
 */
export function httpError(c: Context, err: unknown, log?: Logger): Response {
  if (err instanceof NotFoundError) return c.json({ error: 'not_found', message: err.message }, 404);
  if (err instanceof ValidationError) return c.json({ error: 'validation', problems: err.problems }, 422);
  if (err instanceof ReportParamError)
    return c.json({ error: 'validation', problems: [{ field: err.field, problem: err.message }] }, 422);
  if (err instanceof RateLimitedError) {
    c.header('retry-after', String(err.retryAfterS));
    return c.json({ error: 'rate_limited', message: err.message }, 429);
  }
  if (err instanceof InvalidDraftError)
    return c.json(
      {
        error: 'invalid_draft',
        problems: err.problems.map((p) => ({
          field: p.path,
          problem: ConfigRejectReason[p.reason] ?? 'invalid',
        })),
      },
      422,
    );
  if (err instanceof EnrollmentTokenError) {
    const status = err.reason === 'malformed' ? 400 : err.reason === 'unknown' ? 401 : 410;
    return c.json({ error: `token_${err.reason}`, message: err.message }, status);
  }
  if (err instanceof ConflictError) return c.json({ error: 'conflict', message: err.message }, 409);
  if (err instanceof ForbiddenError) return c.json({ error: 'forbidden', message: err.message }, 403);
  // Only the error's name and code: drizzle puts SQL parameters (possibly personal data) in messages.
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  log?.error({ err: err instanceof Error ? err.name : typeof err, code, path: c.req.path }, 'request failed');
  return c.json({ error: 'internal', message: 'internal error' }, 500);
}
