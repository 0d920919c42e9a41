// @hcc/proto: the only wire contract between edge and cloud.
//
// The .proto files under proto/hcc are the source of truth; the schemas and types below are
// generated from them into proto/gen (never edited by hand). Consumers import from
// '@hcc/proto' only, never from the generated files.

export * from '../gen/hcc/common/v1/channel_pb.ts';
export * from '../gen/hcc/config/v1/bundle_pb.ts';
export * from '../gen/hcc/events/v1/events_pb.ts';
export {
  decodeBundle,
  decodeEvent,
  decodeEventBatch,
  decodeIngestWatermark,
  encodeBundle,
  encodeEvent,
  encodeEventBatch,
  encodeIngestWatermark,
} from './codec.ts';
export { ProtoDecodeError } from './errors.ts';
export { bundleSigningBytes } from './signing.ts';
