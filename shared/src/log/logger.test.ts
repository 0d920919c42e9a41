import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, safeErr } from './logger.ts';

describe('logger', () => {
  it('keeps database errors down to name and code: their messages carry query parameters', () => {
    const pgError = Object.assign(new Error('duplicate key (number)=(+15551234567)'), {
      code: '23505',
      severity: 'ERROR',
      routine: '_bt_check_unique',
    });
    const drizzleError = Object.assign(new Error('Failed query: select ... params: +15551234567'), {
      name: 'DrizzleQueryError',
      query: 'select ...',
      params: ['+15551234567'],
      cause: pgError,
    });
    const lines: string[] = [];
    const log = createLogger({
      service: 't',
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    log.error({ err: drizzleError }, 'failed');
    log.error({ err: pgError }, 'failed');
    log.error({ err: new Error('plain failure') }, 'failed');
    const out = lines.join('');
    expect(out).not.toContain('5551234567');
    expect(out).toContain('"code":"23505"');
    expect(out).toContain('plain failure');
    expect(safeErr('text with +15551234567')).toBe('[error text withheld]');
    expect(safeErr('connection refused')).toBe('connection refused');
  });
});
