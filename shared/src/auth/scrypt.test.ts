import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './scrypt.ts';

describe('scrypt password hashes', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const a = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    const b = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
  });

  it('treats malformed stored hashes as a mismatch', async () => {
    for (const bad of [
      '',
      'plain',
      'scrypt$x$y$z$c2FsdA==$aGFzaA==',
      'scrypt$1024$8$1$$',
      'bcrypt$1$2$3$4$5',
    ]) {
      expect(await verifyPassword('pw', bad)).toBe(false);
    }
  });
});
