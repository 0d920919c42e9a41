import {
  bundleSigningBytes,
  type ConfigBundle,
  ConfigRejectReason,
  decodeBundle,
  ProtoDecodeError,
} from '@hcc/proto';
import { validateBundle, verifyBytes } from '@hcc/shared';

export type Verdict =
  | { ok: true; bundle: ConfigBundle }
  | { ok: false; version: bigint; reason: ConfigRejectReason; detail: string };

export interface VerifyContext {
  site: string;
  /** Trusted signing keys by key id (PEM public keys). */
  publicKeys: ReadonlyMap<string, string>;
  /** Version currently applied; a bundle must be newer. */
  currentVersion: bigint;
  /** Checks of what only the edge can see (prompt files on disk): returns a problem path or undefined. */
  localCheck?: (bundle: ConfigBundle) => string | undefined;
}

const reject = (version: bigint, reason: ConfigRejectReason, detail = ''): Verdict => ({
  ok: false,
  version,
  reason,
  detail,
});

/**
 * Decides whether a received bundle may run here, in the order that trusts nothing unverified:
 * decodes, checks the signature with a known key, then site, version order, whole-bundle validity
 * and local resources. Never throws.
 */
export function verifyBundle(bytes: Uint8Array, ctx: VerifyContext): Verdict {
  let bundle: ConfigBundle;
  try {
    bundle = decodeBundle(bytes);
  } catch (err) {
    if (err instanceof ProtoDecodeError) return reject(0n, ConfigRejectReason.MALFORMED);
    return reject(0n, ConfigRejectReason.INTERNAL);
  }
  const key = ctx.publicKeys.get(bundle.signingKeyId);
  if (!key) return reject(bundle.version, ConfigRejectReason.UNKNOWN_SIGNING_KEY, 'signing_key_id');
  if (bundle.signature.length === 0 || !verifyBytes(key, bundleSigningBytes(bundle), bundle.signature)) {
    return reject(bundle.version, ConfigRejectReason.BAD_SIGNATURE, 'signature');
  }
  if (bundle.siteId !== ctx.site) return reject(bundle.version, ConfigRejectReason.WRONG_SITE, 'site_id');
  if (bundle.version <= ctx.currentVersion)
    return reject(bundle.version, ConfigRejectReason.STALE_VERSION, 'version');
  const [problem] = validateBundle(bundle);
  if (problem) return reject(bundle.version, problem.reason, problem.path);
  const local = ctx.localCheck?.(bundle);
  if (local) return reject(bundle.version, ConfigRejectReason.MISSING_LOCAL_RESOURCE, local);
  return { ok: true, bundle };
}
