import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@hcc/shared';

/**
 * Secrets at rest in the cloud database (nkey seeds): AES-256-GCM under a key from the key file
 * (`CLOUD_SECRETS_KEY_FILE`). A sealed value is `<keyId>:<iv>:<ciphertext>:<tag>` (base64), keyId
 * `v1`, `v2`, ...: the key file lists every key still in use, one `<keyId>:<base64 32 bytes>` a line,
 * and the last one seals. To rotate, append a new key and restart: values sealed under an older key
 * still open and are re-sealed at start. The caller's context (e.g. the row it belongs to) is bound
 * as additional authenticated data, so a sealed value copied to another row does not open.
 */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const KEY_ID = /^v[1-9][0-9]*$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** The key that seals new values (the last in the file). */
  readonly currentKeyId: string;

  constructor(keys: readonly { id: string; key: Uint8Array }[]) {
    if (keys.length === 0) throw new ConfigError('secret box: no key');
    const map = new Map<string, Buffer>();
    for (const k of keys) {
      if (!KEY_ID.test(k.id)) throw new ConfigError(`secret box: bad key id "${k.id}" (want v1, v2, ...)`);
      if (k.key.length !== 32) throw new ConfigError(`secret box: key ${k.id} is not 32 bytes`);
      if (map.has(k.id)) throw new ConfigError(`secret box: key ${k.id} listed twice`);
      map.set(k.id, Buffer.from(k.key));
    }
    this.keys = map;
    this.currentKeyId = keys[keys.length - 1]!.id;
  }

  /** A box with one fresh random key (tests, first start of the dev stack). */
  static generate(id = 'v1'): SecretBox {
    return new SecretBox([{ id, key: randomBytes(32) }]);
  }

  /** A new key file line: `<id>:<base64 key>`. */
  static newKeyLine(id = 'v1'): string {
    return `${id}:${randomBytes(32).toString('base64')}`;
  }

  /** Parses key file text: `<id>:<base64>` lines; blank lines and `#` comments are skipped. */
  static parse(text: string, source = 'key file'): SecretBox {
    const keys: { id: string; key: Buffer }[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const i = line.indexOf(':');
      if (i < 0) throw new ConfigError(`${source}: a line is not <keyId>:<base64 key>`);
      keys.push({ id: line.slice(0, i), key: Buffer.from(line.slice(i + 1), 'base64') });
    }
    try {
      return new SecretBox(keys);
    } catch (cause) {
      throw new ConfigError(`${source}: ${(cause as Error).message}`, { cause });
    }
  }

  static fromFile(file: string): SecretBox {
    return SecretBox.parse(readFileSync(file, 'utf8'), `CLOUD_SECRETS_KEY_FILE ${file}`);
  }

  /** Whether a stored value is in the sealed format (any key id); plaintext seeds are not. */
  static isSealed(value: string): boolean {
    const id = value.slice(0, value.indexOf(':'));
    return KEY_ID.test(id) && value.split(':').length === 4;
  }

  /** Whether a sealed value should be re-sealed under the current key (rotation). */
  isStale(value: string): boolean {
    return !value.startsWith(`${this.currentKeyId}:`);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const b64 = (b: Buffer) => b.toString('base64');
    return `${this.currentKeyId}:${b64(iv)}:${b64(ct)}:${b64(cipher.getAuthTag())}`;
  }

  /** Opens a sealed value; throws SecretBoxError if it is malformed, tampered or under an unknown key. */
  open(sealed: string, context: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 4 || !KEY_ID.test(parts[0]!))
      throw new SecretBoxError(`secret for ${context} is not sealed (want <keyId>:<iv>:<ciphertext>:<tag>)`);
    const [id, ivB64, ctB64, tagB64] = parts as [string, string, string, string];
    const key = this.keys.get(id);
    if (!key)
      throw new SecretBoxError(`secret for ${context} is sealed under key ${id}, not in the key file`);
    const iv = Buffer.from(ivB64, 'base64');
    const tag = Buffer.from(tagB64, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new SecretBoxError(`secret for ${context} has a malformed iv or tag`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      const pt = Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64')), decipher.final()]);
      return pt.toString('utf8');
    } catch (cause) {
      throw new SecretBoxError(
        `secret for ${context} does not authenticate under key ${id} (tampered, or the wrong key)`,
        { cause },
      );
    }
  }
}
