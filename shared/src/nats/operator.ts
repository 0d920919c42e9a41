/**
 * Operator-mode NATS identities: the operator, the system account, accounts and users, as JWTs
 * signed with nkeys (@nats-io/jwt). The hub runs with the operator JWT and a `full` resolver that
 * starts with the system account only; the control plane creates every other account at runtime
 * and pushes it with `$SYS.REQ.CLAIMS.UPDATE` (see pushAccountClaims), so enrolling a site never
 * restarts the hub.
 */
import {
  type Account,
  createAccount,
  createOperator,
  createUser,
  type Export,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromSeed,
  type Import,
  type KeyPair,
  type OperatorLimits,
  type Permissions,
} from '@nats-io/jwt';
import type { NatsConnection } from '@nats-io/transport-node';

/** Everything the hub's configuration and the control plane need to act for the operator. */
export interface OperatorMaterial {
  /** Seed of the operator key (signs account JWTs). Secret. */
  operatorSeed: string;
  operatorJwt: string;
  /** Public key of the system account. */
  systemAccount: string;
  /** Seed of the system account (mints system users that push claims). Secret. */
  systemAccountSeed: string;
  systemAccountJwt: string;
}

export class NatsAuthError extends Error {
  override readonly name = 'NatsAuthError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
export const keyPairFromSeed = (seed: string): KeyPair => fromSeed(new TextEncoder().encode(seed));
export const seedOf = (kp: KeyPair): string => text(kp.getSeed());

/**
 * Account limits with every value explicit: on 2.9.10 a missing limit is 0, which means "none allowed".
 * JetStream is enabled for an account by non-zero storage limits.
 */
export function accountLimits(o: {
  jetstream: boolean;
  diskBytes?: number;
  memBytes?: number;
}): OperatorLimits {
  return {
    subs: -1,
    data: -1,
    payload: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
    conn: -1,
    leaf: -1,
    mem_storage: o.jetstream ? (o.memBytes ?? -1) : 0,
    disk_storage: o.jetstream ? (o.diskBytes ?? -1) : 0,
    streams: o.jetstream ? -1 : 0,
    consumer: o.jetstream ? -1 : 0,
    max_ack_pending: -1,
    mem_max_stream_bytes: -1,
    disk_max_stream_bytes: -1,
    max_bytes_required: false,
  };
}

/** Creates a new operator with its system account (done once per installation). */
export async function createOperatorMaterial(name = 'hcc'): Promise<OperatorMaterial> {
  const okp = createOperator();
  const sys = createAccount();
  const systemAccount = sys.getPublicKey();
  const operatorJwt = await encodeOperator(name, okp, { system_account: systemAccount });
  const systemAccountJwt = await encodeAccount(
    'SYS',
    systemAccount,
    { limits: accountLimits({ jetstream: false }) },
    { signer: okp },
  );
  return {
    operatorSeed: seedOf(okp),
    operatorJwt,
    systemAccount,
    systemAccountSeed: seedOf(sys),
    systemAccountJwt,
  };
}

export interface AccountSpec {
  name: string;
  /** The account's public key (its seed stays with whoever mints its users). */
  account: string;
  jetstream: boolean;
  exports?: Export[];
  imports?: Import[];
  /** Revoked users (user public key -> unix seconds): the hub refuses and drops them. */
  revocations?: Record<string, number>;
}

/** Signs an account JWT with the operator key. */
export function issueAccountJwt(operatorSeed: string, spec: AccountSpec): Promise<string> {
  const claims: Partial<Account> = {
    limits: accountLimits({ jetstream: spec.jetstream }),
    exports: spec.exports ?? [],
    imports: spec.imports ?? [],
    ...(spec.revocations && Object.keys(spec.revocations).length > 0
      ? { revocations: spec.revocations }
      : {}),
  };
  return encodeAccount(spec.name, spec.account, claims, { signer: keyPairFromSeed(operatorSeed) });
}

export interface UserSpec {
  name: string;
  /** Seed of the account the user belongs to (it signs the user JWT). */
  accountSeed: string;
  /** Only allowed to connect as a leaf node (an edge's leaf server). */
  leafOnly?: boolean;
  permissions?: Permissions;
  /** Lifetime; omitted means no expiry. */
  ttlSeconds?: number;
}

export interface UserIdentity {
  jwt: string;
  seed: string;
  publicKey: string;
  /** The `.creds` file text (JWT + seed) nats-server and the clients read. */
  creds: string;
}

/** Mints a user of an account. */
export async function issueUser(spec: UserSpec): Promise<UserIdentity> {
  const ukp = createUser();
  const exp = spec.ttlSeconds ? Math.floor(Date.now() / 1000) + spec.ttlSeconds : undefined;
  const jwt = await encodeUser(
    spec.name,
    ukp,
    keyPairFromSeed(spec.accountSeed),
    {
      ...(spec.permissions ?? {}),
      ...(spec.leafOnly ? { allowed_connection_types: ['LEAFNODE'] } : {}),
    },
    exp ? { exp } : {},
  );
  return { jwt, seed: seedOf(ukp), publicKey: ukp.getPublicKey(), creds: text(fmtCreds(jwt, ukp)) };
}

/** A fresh account key pair: returns its public key and seed. */
export function newAccountKey(): { publicKey: string; seed: string } {
  const kp = createAccount();
  return { publicKey: kp.getPublicKey(), seed: seedOf(kp) };
}

/**
 * Pushes an account JWT to the hub's resolver through a system-account connection. The full
 * resolver stores it on disk and applies it at once (new account or updated claims).
 */
export async function pushAccountClaims(sys: NatsConnection, accountJwt: string): Promise<void> {
  let reply: { error?: { description?: string }; data?: unknown };
  try {
    const msg = await sys.request('$SYS.REQ.CLAIMS.UPDATE', accountJwt, { timeout: 5000 });
    reply = msg.json();
  } catch (cause) {
    throw new NatsAuthError('pushing account claims to the hub failed', { cause });
  }
  if (reply.error) throw new NatsAuthError(`hub refused account claims: ${reply.error.description ?? '?'}`);
}
