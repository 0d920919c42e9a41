/** Digest credentials for calls out through a trunk that has outbound auth (the secret in the local store). */
import type { Trunk } from '@hcc/proto';
import { DigestClient } from '../sip/index.ts';
import type { TrunkSecrets } from './types.ts';

export async function trunkDigest(trunk: Trunk, secrets: TrunkSecrets): Promise<DigestClient | undefined> {
  const auth = trunk.outboundAuth;
  if (!auth?.username) return undefined;
  const password = await secrets.password(auth.secretRef);
  if (!password) return undefined;
  return new DigestClient({
    username: auth.username,
    password,
    ...(auth.realm ? { realm: auth.realm } : {}),
  });
}
