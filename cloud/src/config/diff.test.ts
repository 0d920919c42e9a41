import { clone } from '@bufbuild/protobuf';
import { ConfigBundleSchema } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { demoHqBundle } from '../demo/bundles.ts';
import { diffBundles } from './diff.ts';

describe('diffBundles', () => {
  it('keys entities by id and ignores the version envelope', () => {
    const a = demoHqBundle();
    const b = clone(ConfigBundleSchema, a);
    b.version = 7n;
    b.signature = new Uint8Array([1]);
    expect(diffBundles(a, b)).toEqual([]);
    b.queues[0]!.ringTimeoutSeconds = 30;
    b.agents.pop();
    b.skills.push({ ...b.skills[0]!, id: 'vip', name: 'VIP' });
    expect(diffBundles(a, b)).toEqual([
      { path: 'queues.sales.ringTimeoutSeconds', op: 'changed', before: 20, after: 30 },
      { path: 'skills.vip', op: 'added', after: { id: 'vip', name: 'VIP' } },
      expect.objectContaining({ path: 'agents.a-1002', op: 'removed' }),
    ]);
  });
});
