import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { demoBundle } from './fixtures.ts';
import {
  bundleSigningBytes,
  type ConfigBundle,
  ConfigBundleSchema,
  decodeBundle,
  encodeBundle,
} from './index.ts';

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

function indexOfRun(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe('bundleSigningBytes', () => {
  it('is stable across calls and across an encode/decode round trip', () => {
    const bundle = demoBundle();
    const bytes = bundleSigningBytes(bundle);
    expect(bundleSigningBytes(bundle)).toEqual(bytes);
    expect(bundleSigningBytes(demoBundle())).toEqual(bytes);
    expect(bundleSigningBytes(decodeBundle(encodeBundle(bundle)))).toEqual(bytes);
  });

  it('excludes the signature and the signing key id', () => {
    const bundle = demoBundle();
    const bytes = bundleSigningBytes(bundle);
    const resigned: ConfigBundle = {
      ...bundle,
      signingKeyId: 'other-key',
      signature: new Uint8Array([1, 2, 3]),
    };
    expect(bundleSigningBytes(resigned)).toEqual(bytes);

    const unsigned = decodeBundle(bytes);
    expect(unsigned.signingKeyId).toBe('');
    expect(unsigned.signature).toHaveLength(0);
    expect(indexOfRun(bytes, bundle.signature)).toBe(-1);
    expect(indexOfRun(bytes, new TextEncoder().encode(bundle.signingKeyId))).toBe(-1);
  });

  it('covers the content, including site and version', () => {
    const bundle = demoBundle();
    const bytes = bundleSigningBytes(bundle);
    expect(bundleSigningBytes({ ...bundle, siteId: 'branch' })).not.toEqual(bytes);
    expect(bundleSigningBytes({ ...bundle, version: bundle.version + 1n })).not.toEqual(bytes);
    const retargeted = demoBundle();
    retargeted.dids[0]!.target = { case: 'queueId', value: 'sales' };
    expect(bundleSigningBytes(retargeted)).not.toEqual(bytes);
  });

  it('does not modify the bundle', () => {
    const bundle = demoBundle();
    bundleSigningBytes(bundle);
    expect(bundle.signingKeyId).toBe('cloud-2025-01');
    expect(bundle.signature).toHaveLength(64);
  });

  it('lets an older edge verify a bundle with a field it does not know', () => {
    // A newer cloud signs a bundle with content field 50, which this schema lacks.
    const bundle = demoBundle();
    const newField = new BinaryWriter().tag(50, WireType.Varint).uint32(42).finish();
    const newerSigningBytes = concat(bundleSigningBytes(bundle), newField);
    const signatureFields = encodeBundle(
      create(ConfigBundleSchema, { signingKeyId: bundle.signingKeyId, signature: bundle.signature }),
    );
    // Fields in number order, as the newer cloud writes them: content, 50, then 100/101.
    const wire = concat(bundleSigningBytes(bundle), newField, signatureFields);

    const decoded = decodeBundle(wire);
    expect(decoded.$unknown).toHaveLength(1);
    expect(bundleSigningBytes(decoded)).toEqual(newerSigningBytes);
  });

  it('is what an Ed25519 signature is made and checked over', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const bundle = demoBundle();
    bundle.signature = sign(null, bundleSigningBytes(bundle), privateKey);

    const received = decodeBundle(encodeBundle(bundle));
    expect(verify(null, bundleSigningBytes(received), publicKey, received.signature)).toBe(true);

    const tampered = decodeBundle(encodeBundle(bundle));
    tampered.agents[0]!.autoReadyOnRegister = false;
    expect(verify(null, bundleSigningBytes(tampered), publicKey, tampered.signature)).toBe(false);
  });
});
