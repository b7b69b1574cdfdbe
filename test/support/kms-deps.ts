import { randomBytes } from 'node:crypto';
import { secureRandom } from '../../src/core/random.js';
import { Sealer } from '../../src/core/sealer.js';
import type { Caller, KmsDeps } from '../../src/kms/context.js';
import { newWrappingKeyPair, type WrappingKeyPair, type WrappingKeySpec } from '../../src/kms/import-wrapping.js';
import { KeyBackends } from '../../src/kms/key-backends.js';
import { ServiceKeyBackend } from '../../src/kms/service-key-backend.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

export { rejectsWith } from './aws-errors.js';

/** The dev account's root, in us-east-1. */
export const CALLER: Caller = { accountId: '111122223333', region: 'us-east-1', principalArn: 'arn:aws:iam::111122223333:root' };

/** What the KMS services need, on an in-memory store, with a clock the test moves through `now`. */
export function kmsDeps(now: () => number): KmsDeps {
  return {
    store: openSqliteStore(':memory:'),
    clock: { now },
    random: secureRandom,
    backends: new KeyBackends(new ServiceKeyBackend(new Sealer(randomBytes(32), secureRandom), secureRandom)),
    wrappingKeyPairs: reusedWrappingKeyPair,
  };
}

const wrappingPairs = new Map<WrappingKeySpec, Promise<WrappingKeyPair>>();

/**
 * One wrapping key pair per spec for the whole test process, a copy each call (the service wipes
 * the private key it was given): an RSA pair takes a third of a second to make here, RSA_4096 three.
 */
export async function reusedWrappingKeyPair(spec: WrappingKeySpec): Promise<WrappingKeyPair> {
  let made = wrappingPairs.get(spec);
  if (!made) wrappingPairs.set(spec, (made = newWrappingKeyPair(spec)));
  const pair = await made;
  return { publicKey: Buffer.from(pair.publicKey), privateKey: Buffer.from(pair.privateKey) };
}
