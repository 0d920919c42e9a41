import { describe, expect, it } from 'vitest';
import type { Logger } from '../log/logger.ts';
import { Observer } from './emitter.ts';

describe('Observer', () => {
  it('delivers typed payloads and isolates a throwing listener', () => {
    const errors: string[] = [];
    const log = { error: (_o: object, msg?: string) => errors.push(msg ?? '') } as unknown as Logger;
    const obs = new Observer<{ tick: number }>(log);
    const got: number[] = [];
    obs.on('tick', () => {
      throw new Error('boom');
    });
    const off = obs.on('tick', (n) => got.push(n));
    obs.emit('tick', 1);
    off();
    obs.emit('tick', 2);
    expect(got).toEqual([1]);
    expect(errors).toEqual(['observer listener threw', 'observer listener threw']);
    expect(obs.listenerCount('tick')).toBe(1);
  });
});
