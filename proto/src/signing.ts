import { create, toBinary } from '@bufbuild/protobuf';
import { type ConfigBundle, ConfigBundleSchema } from '../gen/hcc/config/v1/bundle_pb.ts';

/**
 * The bytes a config bundle's signature covers: the binary serialisation of the bundle with
 * `signingKeyId` and `signature` cleared, unknown fields included.
 *
 * Canonical because protobuf-es writes known fields in field-number order, then unknown fields
 * in the order they were read, and the bundle schema has no maps. Fields added to the schema
 * take numbers above every existing one (see bundle.proto), so an older edge that holds them
 * as unknown fields reproduces the signer's bytes. The cloud signs these bytes; the edge
 * decodes the bundle, recomputes them and verifies before trusting any other field.
 * The input is not modified.
 */
export function bundleSigningBytes(bundle: ConfigBundle): Uint8Array {
  const unsigned = create(ConfigBundleSchema, {
    ...bundle,
    signingKeyId: '',
    signature: new Uint8Array(0),
  });
  return toBinary(ConfigBundleSchema, unsigned);
}
