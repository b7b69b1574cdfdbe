import { ValidationException } from '../core/common-errors.js';
import { customKeyStoreNotFound } from '../kms/custom-key-store-port.js';
import { NotFoundException } from '../kms/errors.js';
import { keyArn } from '../kms/key.js';
import { parseKeyIdentifier } from '../kms/key-resolver.js';
import { HsmNotFound } from '../cluster/hsm-errors.js';
import type { KeyObject } from '../cluster/model.js';
import type { KeyStoreDeps } from './context.js';
import type { Scope } from './model.js';

/** What was removed: the KMS key it backed, and where the key object was. */
export interface RemovedBackingKey {
  keyArn: string;
  customKeyStoreId: string;
  clusterId: string;
  backingKeyId: string;
  keyHandle: number;
}

/**
 * Removes the key object that backs a KMS key from its store's current cluster, behind KMS's
 * back: the effect of an admin who resets kmsuser's password and runs `key delete` in the
 * CloudHSM CLI (seed 000, "How to fix a failing KMS key": the key material was deleted). It is a
 * rehearsal fault, so it needs no login and works while the store is connected; KMS finds out
 * as it would in AWS, on the next cryptographic call or the next backing-key health check.
 * Backups keep the key object, so the recovery procedure can bring it back.
 */
export async function removeBackingKey(deps: Pick<KeyStoreDeps, 'stores' | 'keys' | 'hsm'>, caller: Scope, keyIdentifier: string): Promise<RemovedBackingKey> {
  const parsed = parseKeyIdentifier(caller, keyIdentifier);
  if (parsed.kind === 'alias') throw new ValidationException(`Give the key id or key ARN of the KMS key, not an alias (${keyIdentifier}).`);
  const key = parsed.scope.accountId === caller.accountId ? await deps.keys.get(parsed.scope, parsed.keyId) : undefined;
  const arn = keyArn(parsed.scope, parsed.keyId);
  if (!key) throw new NotFoundException(`Key '${arn}' does not exist`);
  if (key.customKeyStoreId === undefined || key.backingKey === undefined) {
    throw new ValidationException(`${arn} is not in an AWS CloudHSM key store, so it has no backing key in a cluster.`);
  }
  const store = await deps.stores.get(key, key.customKeyStoreId);
  if (!store) throw customKeyStoreNotFound(key.customKeyStoreId);
  const { backingKeyId } = key.backingKey;
  const served = await deps.hsm.contents.serving(key, store.clusterId);
  let removed: KeyObject | undefined;
  await deps.hsm.contents.change(served.cluster, (c) => {
    const object = c.keys.find((k) => k.id === backingKeyId);
    if (!object) {
      throw new HsmNotFound('KEY_NOT_FOUND', `AWS CloudHSM cluster ${store.clusterId} holds no key object with id 0x${backingKeyId} (the backing key of ${arn}); it was already deleted.`);
    }
    removed = object;
    return { ...c, keys: c.keys.filter((k) => k !== object) };
  });
  await deps.hsm.keys.leftHsms(served.cluster, removed!);
  return { keyArn: arn, customKeyStoreId: store.customKeyStoreId, clusterId: store.clusterId, backingKeyId, keyHandle: removed!.handle };
}
