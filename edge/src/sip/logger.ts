// The minimal pino-compatible logger the SIP layer accepts. Never log whole messages at info: they carry
// phone numbers and names.

export interface SipLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => {};

export const silentSipLogger: SipLogger = { debug: noop, info: noop, warn: noop, error: noop };
