import { create } from '@bufbuild/protobuf';
import { ConfigAppliedSchema, EventSchema } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { storable } from './consumer.ts';

const event = (o: { version?: bigint; nodeSeconds?: bigint; eventId?: string }) =>
  create(EventSchema, {
    eventId: o.eventId ?? '0192a0c0-0000-7000-8000-000000000001',
    siteId: 'hq',
    occurredAt: { seconds: o.nodeSeconds ?? 1_700_000_000n, nanos: 0 },
    body: { case: 'configApplied', value: create(ConfigAppliedSchema, { version: o.version ?? 3n }) },
  });

describe('fleet consumer: storable events', () => {
  it('accepts an ordinary event and refuses what PostgreSQL cannot store', () => {
    expect(storable(event({}))).toBe(true);
    expect(storable(event({ version: 2n ** 64n - 1n }))).toBe(false);
    expect(storable(event({ nodeSeconds: 10n ** 15n }))).toBe(false);
    expect(storable(event({ eventId: 'a\0b' }))).toBe(false);
  });
});
