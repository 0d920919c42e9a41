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
  };
  return o.destination ? pino(options, o.destination) : pino(options);
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
