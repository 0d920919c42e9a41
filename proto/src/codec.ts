import { type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { type ConfigBundle, ConfigBundleSchema } from '../gen/hcc/config/v1/bundle_pb.ts';
import {
  type Event,
  type EventBatch,
  EventBatchSchema,
  EventSchema,
  type IngestWatermark,
  IngestWatermarkSchema,
} from '../gen/hcc/events/v1/events_pb.ts';
import { ProtoDecodeError } from './errors.ts';

/**
 * Decode `bytes` as `schema`, turning every failure into a ProtoDecodeError. Unknown fields
 * are kept (a newer peer's additions survive a re-encode, which bundle signing relies on).
 */
function decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (cause) {
    throw new ProtoDecodeError(schema.typeName, cause);
  }
}

export function encodeBundle(bundle: ConfigBundle): Uint8Array {
  return toBinary(ConfigBundleSchema, bundle);
}

/** @throws ProtoDecodeError */
export function decodeBundle(bytes: Uint8Array): ConfigBundle {
  return decode(ConfigBundleSchema, bytes);
}

export function encodeEvent(event: Event): Uint8Array {
  return toBinary(EventSchema, event);
}

/** @throws ProtoDecodeError */
export function decodeEvent(bytes: Uint8Array): Event {
  return decode(EventSchema, bytes);
}

export function encodeEventBatch(batch: EventBatch): Uint8Array {
  return toBinary(EventBatchSchema, batch);
}

/** @throws ProtoDecodeError */
export function decodeEventBatch(bytes: Uint8Array): EventBatch {
  return decode(EventBatchSchema, bytes);
}

export function encodeIngestWatermark(watermark: IngestWatermark): Uint8Array {
  return toBinary(IngestWatermarkSchema, watermark);
}

/** @throws ProtoDecodeError */
export function decodeIngestWatermark(bytes: Uint8Array): IngestWatermark {
  return decode(IngestWatermarkSchema, bytes);
}
