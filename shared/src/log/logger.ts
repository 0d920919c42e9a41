import { pino } from 'pino';

/**
 * The logging surface every layer accepts: pino-compatible, structured, one line per event.
 * Libraries take a `Logger` from their owner; only composition roots create one.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  service: string;
  site?: string;
  level?: string;
  /** Write to this destination instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the root logger of a service. Fields that may carry personal data are redacted here as a
 * last line of defence; the real rule is that callers never put numbers or names into log fields.
 */
export function createLogger(o: LoggerOptions): Logger {
  const base: Record<string, unknown> = { service: o.service };
  if (o.site) base.site = o.site;
  const options = {
    level: o.level ?? process.env.LOG_LEVEL ?? 'info',
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.secret', '*.number', '*.caller', '*.callee', 'params'],
      censor: '[redacted]',
    },
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: safeErr },
  };
  return o.destination ? pino(options, o.destination) : pino(options);
}

/**
 * Errors in logs: name, SQLSTATE/errno code and (unless it comes from the database) message and
 * stack. Database errors (drizzle's DrizzleQueryError, pg's DatabaseError) embed the query and its
 * parameters, which can be caller numbers: for those only the name and code are kept.
 */
export function safeErr(err: unknown): unknown {
  if (typeof err === 'string') return LEAKY_TEXT.test(err) ? '[error text withheld]' : err;
  if (!(err instanceof Error)) return err;
  const cause = err.cause as { code?: unknown } | undefined;
  const code = (err as { code?: unknown }).code ?? cause?.code;
  if (isDatabaseError(err)) return { type: err.name, code };
  return { type: err.name, code, message: err.message, stack: err.stack };
}

/** Error text that may quote a query, its parameters or a number: not logged. */
const LEAKY_TEXT = /Failed query|params:|\d{6,}/;

function isDatabaseError(err: Error): boolean {
  const e = err as unknown as Record<string, unknown>;
  const c = (err.cause ?? {}) as Record<string, unknown>;
  return (
    err.name === 'DrizzleQueryError' ||
    'query' in e ||
    'params' in e ||
    'severity' in e ||
    'routine' in e ||
    'severity' in c ||
    'routine' in c
  );
}

/** A logger that drops everything (unit tests of one layer). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
