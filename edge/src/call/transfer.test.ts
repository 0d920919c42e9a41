import { create } from '@bufbuild/protobuf';
import { ConfigBundleSchema, QueueEntry, TrunkKind } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { parseReferTo } from './transfer.ts';

const bundle = create(ConfigBundleSchema, {
  agents: [{ id: 'a-1002', extension: '1002' }],
  queues: [{ id: 'support' }],
  trunks: [
    { id: 'pbx', kind: TrunkKind.PBX },
    { id: 'carrier', kind: TrunkKind.CARRIER },
  ],
});

describe('Refer-To targets', () => {
  it('names an agent by extension, a queue by id, an outside number through the carrier', () => {
    expect(parseReferTo('<sip:1002@edge>', bundle)).toEqual({
      kind: 'step',
      step: { kind: 'agent', agentId: 'a-1002' },
    });
    expect(parseReferTo('<sip:queue-support@edge>', bundle)).toEqual({
      kind: 'step',
      step: { kind: 'queue', queueId: 'support', entry: QueueEntry.TRANSFER },
    });
    expect(parseReferTo('sip:+15551234567@edge', bundle)).toEqual({
      kind: 'step',
      step: { kind: 'external', number: '+15551234567', trunkId: 'carrier' },
    });
    expect(parseReferTo('<sip:nobody@edge>', bundle)).toBeUndefined();
  });

  it('reads Replaces for an attended transfer', () => {
    expect(parseReferTo('<sip:1002@edge?Replaces=abc%40h%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>', bundle)).toEqual({
      kind: 'replaces',
      callId: 'abc@h',
      toTag: 't1',
      fromTag: 'f1',
    });
  });
});
