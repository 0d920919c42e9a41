import { FlowSchema, QueueSchema } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { checkProtoJson, protoJsonSchemas } from './proto-json.ts';

describe('proto JSON checks', () => {
  it('names the field and the problem', () => {
    expect(
      checkProtoJson(QueueSchema, {
        id: 'q',
        strategy: 'FASTEST',
        ringTimeoutSeconds: -1,
        channels: 'VOICE',
        bogus: 1,
      }),
    ).toEqual([
      { field: 'strategy', problem: expect.stringMatching(/^expected one of ROUTING_STRATEGY_LONGEST_IDLE/) },
      { field: 'ringTimeoutSeconds', problem: 'must not be negative' },
      { field: 'channels', problem: 'expected a list' },
      { field: 'bogus', problem: 'unknown field' },
    ]);
    expect(checkProtoJson(FlowSchema, { nodes: [{ id: 'n', menu: { choices: [{ digit: 1 }] } }] })).toEqual([
      { field: 'nodes[0].menu.choices[0].digit', problem: 'expected a string' },
    ]);
  });

  it('derives JSON Schemas for every reachable message', () => {
    const schemas = protoJsonSchemas([FlowSchema]);
    expect(Object.keys(schemas)).toContain('hcc.config.v1.Menu');
    expect(schemas['hcc.config.v1.Flow']).toMatchObject({ properties: { nodes: { type: 'array' } } });
  });
});
