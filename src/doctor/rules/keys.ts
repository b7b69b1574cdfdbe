import { newestBackup } from '../procedures.js';
import type { KeyFacts, StoreFacts, TrailEvent } from '../facts.js';
import { type EvidenceValue, fixOf, GUIDE } from '../finding.js';
import { keyIdOf, newestFirst } from '../trail.js';
import { describeEvent, isoTime, keysOf, listed, plural, restoreSteps, type RuleContext, storeEvidence } from './context.js';

// The keys of a store. While the store is CONNECTED a key shows Unavailable only when its key
// material (its backing key) is gone from the cluster: "How to recover deleted key material".
// CloudTrail names the backing key of every call with the key (additionalEventData.backingKey),
// which is how doctor finds its id. While the store is not connected, a key pending deletion
// whose waiting period ends will lose its metadata but not its material: orphaned key material.

export function keysRule(store: StoreFacts, ctx: RuleContext): void {
  if (!store.keys.ok) {
    ctx.out.unchecked({
      check: `the KMS keys of ${store.name}: their key states`,
      customKeyStoreId: store.id,
      reason: store.keys.reason,
      commands: { awsCli: [ctx.cmd.aws('kms', 'list-keys'), ctx.cmd.aws('kms', 'describe-key', '--key-id', '<key-id>', `--query 'KeyMetadata.[KeyId,KeyState,CustomKeyStoreId]'`, '--output text')], cloudhsmCli: [], legacyTools: [] },
      essential: true,
    });
    return;
  }
  if (store.connectionState === 'CONNECTED') {
    for (const key of keysOf(store).filter((k) => k.state === 'Unavailable')) materialMissing(store, key, ctx);
  } else {
    pendingDeletion(store, ctx);
  }
}

/** The events that name the key, newest first. */
function keyEvents(key: KeyFacts, ctx: RuleContext): TrailEvent[] {
  if (!ctx.facts.trail.ok) return [];
  return ctx.facts.trail.value.filter((e) => e.keyRefs.some((r) => keyIdOf(r, ctx.facts.aliases) === key.id)).sort(newestFirst);
}

function materialMissing(store: StoreFacts, key: KeyFacts, ctx: RuleContext): void {
  const events = keyEvents(key, ctx);
  const backingKeyIds = [...new Set(events.flatMap((e) => e.backingKeys.map((b) => b.backingKeyId)))];
  const lastSuccess = events.find((e) => !e.errorCode && e.backingKeys.length > 0 && e.name !== 'CreateKey');
  const backups = store.backups.ok ? store.backups.value : [];
  // A backup taken after the key was made and no later than the last call that worked holds its
  // material for certain; a later one holds it only if it was taken before the deletion.
  const sure = lastSuccess ? newestBackup(backups, lastSuccess.time, key.createdAt) : undefined;
  const backup = sure ?? newestBackup(backups, undefined, key.createdAt);
  const evidence: Record<string, EvidenceValue> = {
    ...storeEvidence(store),
    'DescribeKey.KeyId': key.id,
    'DescribeKey.KeyState': key.state,
    'CloudTrail.backingKeyId': backingKeyIds.length > 0 ? backingKeyIds.join(', ') : ctx.facts.trail.ok ? 'not found in the events LookupEvents returns' : `not read: ${ctx.facts.trail.reason}`,
  };
  if (lastSuccess) evidence['CloudTrail.last successful use'] = describeEvent(lastSuccess);
  evidence['DescribeBackups.candidate'] = backup ? `${backup.id} ${isoTime(backup.createdAt)}` : 'none';
  ctx.out.add({
    severity: 'error',
    code: 'KEY_MATERIAL_MISSING',
    customKeyStoreId: store.id,
    keyId: key.id,
    title: `key ${key.id} is Unavailable: its key material is gone from cluster ${store.clusterId}`,
    cause:
      `The store is CONNECTED, yet the key is Unavailable: its key material (backing key ${backingKeyIds.length > 0 ? listed(backingKeyIds.map((id) => `0x${id}`)) : 'of unknown id'}) was deleted from the cluster. ` +
      'Only its owner, kmsuser, can delete it, so someone reset kmsuser\u2019s password and logged in. The key cannot be used and nothing encrypted under it can be decrypted until the material is back; ' +
      (backup
        ? `it can come back from a backup taken while the key existed: ${backup.id} (${isoTime(backup.createdAt)})${sure ? ' was taken before the key was last used successfully' : ' is the newest backup taken after the key was made; check that it holds the key before relying on it'}.`
        : 'doctor found no backup taken after the key was made, and without one the material cannot be recovered.'),
    evidence,
    fix: fixOf(
      ctx.proc.lookForMaterial(store.clusterId, key.arn, backingKeyIds.length > 0 ? backingKeyIds : ['<backing-key-id>']),
      // A backup taken now would not hold the material: only one from before the deletion does.
      restoreSteps(store, ctx, { disconnectFirst: true, freshBackup: false, ...(backup ? { backup } : {}) }),
      {
        say: 'Check that the key is back in its state.',
        awsCli: [ctx.cmd.aws('kms', 'describe-key', '--key-id', key.id, `--query 'KeyMetadata.[KeyState,CloudHsmClusterId]'`, '--output text')],
      },
    ),
    guide: GUIDE.recover,
  });
}

function pendingDeletion(store: StoreFacts, ctx: RuleContext): void {
  const pending = keysOf(store)
    .filter((k) => k.state === 'PendingDeletion')
    .sort((a, b) => (a.deletionDate ?? 0) - (b.deletionDate ?? 0));
  if (pending.length === 0) return;
  const first = pending[0]!;
  const evidence: Record<string, EvidenceValue> = { ...storeEvidence(store) };
  for (const k of pending) evidence[`DescribeKey.${k.id}.DeletionDate`] = isoTime(k.deletionDate);
  ctx.out.add({
    severity: 'warning',
    code: 'PENDING_DELETION_WILL_ORPHAN',
    customKeyStoreId: store.id,
    title: `${plural(pending.length, 'key')} of ${store.name} ${pending.length === 1 ? 'is' : 'are'} pending deletion while the store is ${store.connectionState}`,
    cause:
      `When a waiting period ends, KMS deletes the key and then tries to delete its key material from the cluster; it cannot while the store is not connected, and the material stays in the cluster, orphaned (the DeleteKey event in CloudTrail then shows deletionStatus FAILURE). ` +
      `The first waiting period ends at ${isoTime(first.deletionDate) ?? 'an unknown date'}: connect the store before then, or cancel the deletion.`,
    evidence,
    fix: fixOf(
      ...(store.connectionState === 'FAILED' ? [ctx.proc.disconnect(store.id)] : []),
      ctx.proc.connect(store.id, `Connect the key store before ${isoTime(first.deletionDate) ?? 'the waiting period ends'}.`),
      {
        say: 'Or keep the keys: cancel their deletion (possible while the store is disconnected; they come back Disabled).',
        awsCli: pending.map((k) => ctx.cmd.aws('kms', 'cancel-key-deletion', '--key-id', k.id)),
      },
    ),
    guide: GUIDE.orphaned,
  });
}
