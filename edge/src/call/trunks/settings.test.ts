/**
 * The trunk health fields of a bundle (Trunk 16-20): defaults for 0, off with options_ping_off, and
 * out-of-range values refused by the edge's config verification with the offending field's path.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  bundleSigningBytes,
  ConfigBundleSchema,
  ConfigRejectReason,
  encodeBundle,
  TrunkSchema,
} from '@hcc/proto';
import { generateSigningKeyPair, signBytes, signingKeyId, trunkHealthPolicy } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../config/verify.ts';

type TrunkInit = Omit<MessageInitShape<typeof TrunkSchema>, '$typeName'>;
const keys = generateSigningKeyPair();
const keyId = signingKeyId(keys.publicKeyPem);

/** A signed bundle with one trunk, as the cloud sends it; verified as the edge does before applying. */
function apply(trunk: TrunkInit) {
  const b = create(ConfigBundleSchema, {
    siteId: 'hq',
    version: 2n,
    site: { name: 'HQ', timeZone: 'UTC', locale: 'en-US' },
    trunks: [create(TrunkSchema, { id: 'carrier', host: '192.0.2.1', ...trunk })],
    signingKeyId: keyId,
  });
  b.signature = signBytes(keys.privateKeyPem, bundleSigningBytes(b));
  return verifyBundle(encodeBundle(b), {
    site: 'hq',
    publicKeys: new Map([[keyId, keys.publicKeyPem]]),
    currentVersion: 1n,
  });
}

describe('trunk health settings', () => {
  it('applies the defaults for 0 and is off with options_ping_off', () => {
    const t = create(TrunkSchema, { id: 't' });
    expect(trunkHealthPolicy(t)).toEqual({ intervalMs: 30_000, downAfterFailures: 3, upAfterSuccesses: 2 });
    Object.assign(t, { optionsIntervalSeconds: 5, downAfterFailures: 1, upAfterSuccesses: 4 });
    expect(trunkHealthPolicy(t)).toEqual({ intervalMs: 5000, downAfterFailures: 1, upAfterSuccesses: 4 });
    t.optionsPingOff = true;
    expect(trunkHealthPolicy(t)).toBeUndefined();
  });

  it('applies a bundle at the limits and refuses one past them, naming the field', () => {
    expect(
      apply({ optionsIntervalSeconds: 3600, downAfterFailures: 100, upAfterSuccesses: 100, priority: 7 }).ok,
    ).toBe(true);
    const cases: [TrunkInit, string][] = [
      [{ optionsIntervalSeconds: 3601 }, 'trunks.carrier.options_interval_seconds'],
      [{ downAfterFailures: 101 }, 'trunks.carrier.down_after_failures'],
      [{ upAfterSuccesses: 1000 }, 'trunks.carrier.up_after_successes'],
    ];
    for (const [init, path] of cases)
      expect(apply(init)).toEqual({
        ok: false,
        version: 2n,
        reason: ConfigRejectReason.INVALID_VALUE,
        detail: path,
      });
  });
});
