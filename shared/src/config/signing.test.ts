import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, publicKeyOf, signBytes, signingKeyId, verifyBytes } from './signing.ts';

describe('config signing', () => {
  const keys = generateSigningKeyPair();
  const data = new TextEncoder().encode('bundle bytes');

  it('verifies its own signature and derives the public key', () => {
    const sig = signBytes(keys.privateKeyPem, data);
    expect(sig.length).toBe(64);
    expect(verifyBytes(keys.publicKeyPem, data, sig)).toBe(true);
    expect(publicKeyOf(keys.privateKeyPem)).toBe(keys.publicKeyPem);
    expect(signingKeyId(keys.publicKeyPem)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects tampered data, another key, and garbage without throwing', () => {
    const sig = signBytes(keys.privateKeyPem, data);
    const tampered = new Uint8Array(data);
    tampered[0] = tampered[0]! ^ 1;
    expect(verifyBytes(keys.publicKeyPem, tampered, sig)).toBe(false);
    expect(verifyBytes(generateSigningKeyPair().publicKeyPem, data, sig)).toBe(false);
    expect(verifyBytes(keys.publicKeyPem, data, new Uint8Array(3))).toBe(false);
    expect(verifyBytes('not a key', data, sig)).toBe(false);
  });
});
