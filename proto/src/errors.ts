/**
 * Bytes that do not decode as the expected message: truncated, corrupted or not protobuf at
 * all. The decode helpers throw this and nothing else, so callers can park the message
 * (events) or reject the bundle (config) without inspecting library errors.
 */
export class ProtoDecodeError extends Error {
  override readonly name = 'ProtoDecodeError';
  /** Fully-qualified protobuf type that was expected, e.g. "hcc.events.v1.Event". */
  readonly typeName: string;

  constructor(typeName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot decode ${typeName}: ${reason}`, { cause });
    this.typeName = typeName;
  }
}
