import { ConfigError } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../src/db/secret-box.ts';

const SEED = 'SAAGNJOZTRPYYXG2NJX3ZNGXYUSDYX2BWO447W3SHG6XQ7U66RWHQ3JUXM';
const CTX = 'site_nats.account_seed:hq:ABC';

/** Flips one byte of a base64 part of a sealed value. */
function flip(sealed: string, part: number): string {
  const parts = sealed.split(':');
  const b = Buffer.from(parts[part]!, 'base64');
  b[0] = b[0]! ^ 1;
  parts[part] = b.toString('base64');
  return parts.join(':');
}

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = SecretBox.generate();

  it('round-trips and never shows the plaintext in the sealed value', () => {
    const sealed = box.seal(SEED, CTX);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain(SEED);
    expect(SecretBox.isSealed(sealed)).toBe(true);
    expect(SecretBox.isSealed(SEED)).toBe(false);
    expect(box.open(sealed, CTX)).toBe(SEED);
    expect(box.seal(SEED, CTX)).not.toBe(sealed); // fresh IV each time
  });

  it('refuses a tampered iv, ciphertext or tag with SecretBoxError', () => {
    const sealed = box.seal(SEED, CTX);
    for (const part of [1, 2, 3]) {
      expect(() => box.open(flip(sealed, part), CTX)).toThrow(SecretBoxError);
    }
    expect(() => box.open(flip(sealed, 2), CTX)).toThrow(/tampered, or the wrong key/);
  });

  it('refuses the wrong key, the wrong context (another row) and unknown or malformed values', () => {
    const sealed = box.seal(SEED, CTX);
    expect(() => SecretBox.generate().open(sealed, CTX)).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'site_nats.account_seed:branch:ABC')).toThrow(SecretBoxError);
    expect(() => SecretBox.generate('v2').open(sealed, CTX)).toThrow(/key v1, not in the key file/);
    expect(() => box.open(SEED, CTX)).toThrow(/is not sealed/);
    expect(() => box.open('v1:AAAA:AAAA:AAAA', CTX)).toThrow(/malformed iv or tag/);
    try {
      SecretBox.generate().open(sealed, CTX);
    } catch (err) {
      expect((err as Error).name).toBe('SecretBoxError');
      expect((err as Error).cause).toBeDefined();
      expect((err as Error).message).not.toContain(SEED);
    }
  });

  it('rotates: the last key in the file seals, older keys still open', () => {
    const v1 = SecretBox.newKeyLine('v1');
    const old = SecretBox.parse(`${v1}\n`);
    const sealedV1 = old.seal(SEED, CTX);
    const rotated = SecretBox.parse(`# keys\n${v1}\n\n${SecretBox.newKeyLine('v2')}\n`);
    expect(rotated.currentKeyId).toBe('v2');
    expect(rotated.isStale(sealedV1)).toBe(true);
    expect(rotated.open(sealedV1, CTX)).toBe(SEED);
    const sealedV2 = rotated.seal(SEED, CTX);
    expect(sealedV2.startsWith('v2:')).toBe(true);
    expect(rotated.isStale(sealedV2)).toBe(false);
    expect(() => old.open(sealedV2, CTX)).toThrow(SecretBoxError);
  });

  it('rejects bad key files with ConfigError', () => {
    expect(() => SecretBox.parse('')).toThrow(ConfigError);
    expect(() => SecretBox.parse('justbase64')).toThrow(ConfigError);
    expect(() => SecretBox.parse(`v1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/not 32 bytes/);
    expect(() => SecretBox.parse(`k1:${Buffer.alloc(32).toString('base64')}`)).toThrow(/bad key id/);
    const line = SecretBox.newKeyLine('v1');
    expect(() => SecretBox.parse(`${line}\n${line}`)).toThrow(/listed twice/);
  });
});
