import { newestBackup } from '../procedures.js';
import type { StoreFacts, TrailEvent } from '../facts.js';
import { type EvidenceValue, fixOf, type FixStep, GUIDE } from '../finding.js';
import {
  activeHsms,
  clusterEvidence,
  clusterGone,
  clusterOf,
  describeEvent,
  faultsOf,
  isoTime,
  keysOf,
  listed,
  newestNamed,
  plural,
  restoreSteps,
  type RuleContext,
  storeEvents,
  storeEvidence,
  subnetsById,
  zonesForHsms,
} from './context.js';

// The connection state of a store and, when FAILED, its ConnectionErrorCode: "How to fix a
// connection failure", one cause and repair per code. A FAILED store must be disconnected before
// it can be connected again, so every repair of a FAILED store starts there.

export function connectionRule(store: StoreFacts, ctx: RuleContext): void {
  switch (store.connectionState) {
    case 'CONNECTED':
      return;
    case 'CONNECTING':
    case 'DISCONNECTING':
      return inProgress(store, ctx);
    case 'DISCONNECTED':
      return disconnected(store, ctx);
    case 'FAILED':
      return failed(store, ctx);
    default:
      ctx.out.add({
        severity: 'warning',
        code: 'UNKNOWN_CONNECTION_STATE',
        customKeyStoreId: store.id,
        title: `${store.name} is in connection state ${store.connectionState}, which doctor does not know`,
        cause: `DescribeCustomKeyStores reports ConnectionState ${store.connectionState}; the guide knows CONNECTED, CONNECTING, DISCONNECTED, DISCONNECTING and FAILED.`,
        evidence: storeEvidence(store),
        fix: fixOf(ctx.proc.connect(store.id)),
        guide: GUIDE.connection,
      });
  }
}

function inProgress(store: StoreFacts, ctx: RuleContext): void {
  const connecting = store.connectionState === 'CONNECTING';
  const last = newestNamed(storeEvents(store, ctx), connecting ? 'ConnectCustomKeyStore' : 'DisconnectCustomKeyStore');
  const evidence = storeEvidence(store);
  if (last) evidence[`CloudTrail.${last.name}`] = describeEvent(last);
  ctx.out.add({
    severity: 'info',
    code: connecting ? 'STORE_CONNECTING' : 'STORE_DISCONNECTING',
    customKeyStoreId: store.id,
    title: `${store.name} is ${store.connectionState}`,
    cause: connecting
      ? 'A connection attempt is under way: ConnectCustomKeyStore returns at once and KMS connects in the background, which can take a while. Its keys cannot be used until the store is CONNECTED.'
      : 'KMS is disconnecting the store from its cluster; it becomes DISCONNECTED shortly.',
    evidence,
    fix: fixOf({
      say: 'Wait, and look at the state again (run doctor again if it ends FAILED).',
      awsCli: [ctx.cmd.aws('kms', 'describe-custom-key-stores', '--custom-key-store-id', store.id, `--query 'CustomKeyStores[0].[ConnectionState,ConnectionErrorCode]'`, '--output text')],
    }),
    guide: GUIDE.connection,
  });
}

/** Unavailable keys of a store that is not connected, as evidence (ids of at most five). */
function unavailableKeys(store: StoreFacts): { count: number; evidence: Record<string, EvidenceValue> } {
  if (!store.keys.ok) return { count: 0, evidence: { 'DescribeKey': `not read: ${store.keys.reason}` } };
  const unavailable = keysOf(store).filter((k) => k.state === 'Unavailable');
  const pending = keysOf(store).filter((k) => k.state === 'PendingDeletion');
  const evidence: Record<string, EvidenceValue> = { 'DescribeKey.KeyState=Unavailable': unavailable.length };
  if (unavailable.length > 0) evidence['DescribeKey.KeyId (Unavailable)'] = unavailable.slice(0, 5).map((k) => k.id).join(', ') + (unavailable.length > 5 ? ', …' : '');
  if (pending.length > 0) evidence['DescribeKey.KeyState=PendingDeletion'] = pending.length;
  return { count: unavailable.length, evidence };
}

/** A ConnectCustomKeyStore call refused after the store was last disconnected: the fail-fast checks. */
function refusedConnect(events: TrailEvent[]): TrailEvent | undefined {
  for (const e of events) {
    if (e.name === 'DisconnectCustomKeyStore' && !e.errorCode) return undefined;
    if (e.name === 'ConnectCustomKeyStore' && !e.service) return e.errorCode ? e : undefined;
  }
  return undefined;
}

function disconnected(store: StoreFacts, ctx: RuleContext): void {
  const events = storeEvents(store, ctx);
  const keys = unavailableKeys(store);
  const evidence = { ...storeEvidence(store), ...keys.evidence };
  const lastDisconnect = newestNamed(events, 'DisconnectCustomKeyStore');
  if (lastDisconnect && !lastDisconnect.errorCode) evidence['CloudTrail.DisconnectCustomKeyStore'] = describeEvent(lastDisconnect);
  const refused = refusedConnect(events);
  let cause =
    `The key store is disconnected from cluster ${store.clusterId}${lastDisconnect && !lastDisconnect.errorCode ? ` (${describeEvent(lastDisconnect)})` : ''}: ` +
    (keys.count > 0
      ? `its ${plural(keys.count, 'key is', 'keys are')} Unavailable, cryptographic calls with them fail with KMSInvalidStateException, and creating keys in it fails with CustomKeyStoreInvalidStateException.`
      : 'keys cannot be created in it (CustomKeyStoreInvalidStateException) and any keys it has are Unavailable.');
  const steps: FixStep[] = [];
  if (refused) {
    evidence['CloudTrail.ConnectCustomKeyStore'] = `${describeEvent(refused)}: ${refused.errorCode}: ${refused.errorMessage ?? ''}`.trim();
    cause += ` The last attempt to connect was refused at once with ${refused.errorCode} ("${refused.errorMessage ?? ''}"), so it stayed DISCONNECTED; the other findings for this store say what to fix first.`;
  }
  steps.push(ctx.proc.connect(store.id, 'Connect the key store; its keys return to the state they had (Enabled, Disabled), keys pending deletion stay PendingDeletion.'));
  ctx.out.add({
    severity: keys.count > 0 ? 'error' : 'warning',
    code: 'STORE_DISCONNECTED',
    customKeyStoreId: store.id,
    title: `${store.name} is DISCONNECTED${keys.count > 0 ? `: ${plural(keys.count, 'key is', 'keys are')} Unavailable` : ''}`,
    cause,
    evidence,
    fix: fixOf(steps),
    guide: GUIDE.unavailable,
  });
}

function failed(store: StoreFacts, ctx: RuleContext): void {
  const code = store.connectionErrorCode ?? '';
  const events = storeEvents(store, ctx);
  const attempt = events.find((e) => e.name === 'ConnectCustomKeyStore' && e.service && e.connectionState === 'FAILED');
  const evidence = { ...storeEvidence(store), ...unavailableKeys(store).evidence };
  if (attempt) evidence['CloudTrail.ConnectCustomKeyStore'] = `${describeEvent(attempt)}${attempt.errorMessage ? `: ${attempt.errorMessage}` : ''}`;
  const disconnect = ctx.proc.disconnect(store.id, 'Disconnect the key store: a FAILED store cannot be connected or changed until it is DISCONNECTED.');
  const connect = ctx.proc.connect(store.id);
  const c = clusterOf(store);
  const finding = (title: string, cause: string, steps: FixStep[], guide: string = GUIDE.connection, extra: Record<string, EvidenceValue> = {}) =>
    ctx.out.add({ severity: 'error', code: code || 'CONNECTION_FAILED', customKeyStoreId: store.id, title: `${store.name} is FAILED with ${code || 'no error code'}: ${title}`, cause, evidence: { ...evidence, ...extra }, fix: fixOf(steps), guide });

  switch (code) {
    case 'CLUSTER_NOT_FOUND': {
      if (c && !clusterGone(store)) {
        return finding(
          `cluster ${store.clusterId} was not found during the last attempt`,
          `KMS could not find cluster ${store.clusterId} when it last tried to connect, but DescribeClusters shows it now (${c.state}). Reconnect.`,
          [disconnect, connect],
          GUIDE.connection,
          clusterEvidence(store),
        );
      }
      const backups = store.backups.ok ? store.backups.value : [];
      const backup = newestBackup(backups);
      return finding(
        `cluster ${store.clusterId} does not exist`,
        `KMS cannot find an AWS CloudHSM cluster with id ${store.clusterId}: the id is wrong, or the cluster was deleted and not replaced. ` +
          (backup ? `Backup ${backup.id} of it (${isoTime(backup.createdAt)}) can replace it: a cluster created from a backup of the original is related to it, so the store accepts it.` : 'Doctor found no READY backup of it; a cluster from a backup the original was created from is also accepted.'),
        [
          disconnect,
          { say: `Check the id: does cluster ${store.clusterId} exist? If the store names the wrong cluster, give it the right id with update-custom-key-store --cloud-hsm-cluster-id.`, awsCli: [ctx.cmd.aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${store.clusterId}`)] },
          ...restoreSteps(store, ctx, { disconnectFirst: false, ...(backup ? { backup } : {}) }),
        ],
        GUIDE.connection,
        { ...clusterEvidence(store), 'DescribeBackups.READY': backups.filter((b) => b.state === 'READY').length, ...(backup ? { 'DescribeBackups.newest': `${backup.id} ${isoTime(backup.createdAt)}` } : {}) },
      );
    }
    case 'INSUFFICIENT_CLOUDHSM_HSMS': {
      const active = c ? activeHsms(c).length : 0;
      if (c && active > 0) {
        return finding(`cluster ${store.clusterId} had no active HSM during the last attempt`, `Cluster ${store.clusterId} has ${plural(active, 'active HSM')} now. Reconnect.`, [disconnect, connect], GUIDE.connection, clusterEvidence(store));
      }
      return finding(
        `cluster ${store.clusterId} has no active HSM`,
        `The associated cluster ${store.clusterId} does not contain any active HSM; to connect, it needs at least one (two in different Availability Zones to create keys).`,
        [disconnect, ctx.proc.addHsms(store.clusterId, c ? zonesForHsms(c, 2) : ['<availability-zone-1>', '<availability-zone-2>']), connect],
        GUIDE.connection,
        clusterEvidence(store),
      );
    }
    case 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET': {
      const known = subnetsById(store);
      const subnets = c ? Object.values(c.subnetMapping) : [];
      const full = known ? subnets.filter((id) => (known.get(id)?.freeAddresses ?? 1) < 1) : [];
      const extra: Record<string, EvidenceValue> = {};
      if (known && store.network.ok) for (const id of subnets) extra[`${store.network.value.source}.${id}.AvailableIpAddressCount`] = known.get(id)?.freeAddresses ?? 'not found';
      const target = full.length > 0 ? full : subnets;
      const keywarden = ctx.facts.deep ? target.map((id) => ctx.cmd.keywarden('network', 'set-free-addresses', '--subnet-id', id, '--count', '2')) : undefined;
      return finding(
        full.length > 0 ? `subnet ${listed(full)} has no free IP address` : `a subnet of cluster ${store.clusterId} had no free IP address`,
        `KMS needs one free IP address in each private subnet of the cluster to connect (two are preferable), and ${full.length > 0 ? listed(full) : 'at least one of them'} had none. Addresses cannot be added to a subnet: free some by removing unused network interfaces or instances, or create a cluster from a recent backup in subnets with room.`,
        [
          disconnect,
          {
            say: `Free at least one address (two are better) in ${listed(target)}: find the network interfaces that use them and delete those no longer needed.`,
            awsCli: target.flatMap((id) => [
              ctx.cmd.aws('ec2', 'describe-network-interfaces', '--filters', `Name=subnet-id,Values=${id}`, `--query 'NetworkInterfaces[].[NetworkInterfaceId,Status,Description]'`, '--output text'),
              ctx.cmd.aws('ec2', 'delete-network-interface', '--network-interface-id', '<unused-network-interface-id>'),
            ]),
            ...(keywarden ? { keywarden } : {}),
          },
          connect,
        ],
        GUIDE.connection,
        extra,
      );
    }
    case 'INTERNAL_ERROR':
      return finding(
        'KMS could not complete the attempt because of an internal error',
        'AWS KMS could not complete the connection attempt due to an internal error. Retry: disconnect the key store, then connect it again.',
        [disconnect, connect],
      );
    case 'INVALID_CREDENTIALS': {
      const update = newestNamed(events, 'UpdateCustomKeyStore');
      const extra: Record<string, EvidenceValue> = {};
      if (update && !update.errorCode) extra['CloudTrail.UpdateCustomKeyStore'] = describeEvent(update);
      const kmsuser = store.kmsuser?.ok ? store.kmsuser.value : undefined;
      if (kmsuser) extra['KeywardenHsm.ListUsers.kmsuser.LoginFailureCount'] = kmsuser.failedLogins;
      return finding(
        "the key store's kmsuser password is wrong",
        `KMS cannot log in to cluster ${store.clusterId} as kmsuser because it does not have kmsuser's password: it was changed in the cluster while the store was disconnected, or the store was given another one${update && !update.errorCode ? ` (the store's settings last changed: ${describeEvent(update)})` : ''}. Every connection attempt with the wrong password is a failed login, and after five in a row the cluster locks kmsuser (USER_LOCKED_OUT): update the password before connecting again.`,
        [disconnect, ctx.proc.resetKmsuserPassword(store.clusterId, "Find out kmsuser's current password, or, as an admin, set one you know."), ctx.proc.updatePassword(store.id), connect],
        GUIDE.credentials,
        extra,
      );
    }
    case 'NETWORK_ERRORS': {
      const cut = faultsOf(store, ctx).find((f) => f.fault === 'NETWORK_CUT');
      const extra: Record<string, EvidenceValue> = cut ? { 'KeywardenAdmin.ListFaults': `NETWORK_CUT on ${store.clusterId}` } : {};
      return finding(
        `KMS could not reach the HSMs of ${store.clusterId}`,
        `Network errors kept KMS from connecting to cluster ${store.clusterId}. This usually passes: disconnect, wait a few minutes, and connect again. If it persists, something blocks the traffic: the cluster's security group rules or the subnets' network ACLs.${cut ? ' Keywarden has the network path to this cluster cut (fault NETWORK_CUT).' : ''}`,
        [
          disconnect,
          c ? ctx.proc.networkChecks(c) : { say: 'Wait a few minutes.' },
          ...(cut ? [{ say: 'Restore the network path Keywarden cut.', keywarden: [ctx.cmd.keywarden('fault', 'restore-network', '--cluster-id', store.clusterId)] }] : []),
          connect,
        ],
        GUIDE.connection,
        extra,
      );
    }
    case 'SUBNET_NOT_FOUND': {
      const known = subnetsById(store);
      const missing = known && c ? Object.values(c.subnetMapping).filter((id) => !known.has(id)) : [];
      const backups = store.backups.ok ? store.backups.value : [];
      const backup = newestBackup(backups);
      const extra: Record<string, EvidenceValue> = {};
      if (c) extra['DescribeClusters.SubnetMapping'] = Object.entries(c.subnetMapping).map(([az, id]) => `${az}=${id}`).join(', ');
      if (known && store.network.ok) extra[`${store.network.value.source}.missing`] = missing.length > 0 ? missing.join(', ') : 'none';
      if (backup) extra['DescribeBackups.newest'] = `${backup.id} ${isoTime(backup.createdAt)}`;
      return finding(
        missing.length > 0 ? `subnet ${listed(missing)} of the cluster was deleted` : `a subnet of cluster ${store.clusterId} was deleted`,
        `At least one subnet in the configuration of cluster ${store.clusterId}${missing.length > 0 ? ` (${listed(missing)})` : ''} was deleted, and KMS cannot connect unless it finds all of them. A cluster's subnets cannot be changed: create a cluster from a recent backup of this one in subnets that exist, check that it meets the key store's requirements (ACTIVE, HSMs in two Availability Zones), and point the store at it. The most recent backup avoids resetting the kmsuser password.`,
        [disconnect, ...restoreSteps(store, ctx, { disconnectFirst: false })],
        GUIDE.connection,
        extra,
      );
    }
    case 'USER_LOCKED_OUT': {
      const kmsuser = store.kmsuser?.ok ? store.kmsuser.value : undefined;
      return finding(
        `kmsuser is locked out of ${store.clusterId}`,
        `The kmsuser crypto user is locked out of cluster ${store.clusterId} after too many failed password attempts (five in a row), so KMS cannot log in. Only a new password, set by an admin, unlocks it; then the store must be told the new password.`,
        [disconnect, ctx.proc.resetKmsuserPassword(store.clusterId), ctx.proc.updatePassword(store.id), connect],
        GUIDE.credentials,
        kmsuser ? { 'KeywardenHsm.ListUsers.kmsuser.Locked': kmsuser.locked, 'KeywardenHsm.ListUsers.kmsuser.LoginFailureCount': kmsuser.failedLogins } : {},
      );
    }
    case 'USER_LOGGED_IN': {
      const kmsuser = store.kmsuser?.ok ? store.kmsuser.value : undefined;
      const sessions = kmsuser?.sessions?.filter((s) => s.client !== 'kms') ?? [];
      return finding(
        `kmsuser is logged in to ${store.clusterId}`,
        `The kmsuser account is logged in to cluster ${store.clusterId} (someone logged in with the CloudHSM CLI, key_mgmt_util or cloudhsm_mgmt_util and did not log out), which keeps KMS from rotating kmsuser's password and logging in. Log kmsuser out. If you changed kmsuser's password to log in, also give the store the new password.`,
        [
          disconnect,
          ctx.proc.logoutKmsuser(store.clusterId),
          { ...ctx.proc.updatePassword(store.id), say: "Only if you changed kmsuser's password to log in: tell the key store the new one." },
          connect,
        ],
        GUIDE.login,
        kmsuser ? { 'KeywardenHsm.ListUsers.kmsuser.Sessions': sessions.length === 0 ? 'none now' : sessions.map((s) => `${s.client} since ${isoTime(s.openedAt)}`).join(', ') } : {},
      );
    }
    case 'USER_NOT_FOUND':
      return finding(
        `cluster ${store.clusterId} has no kmsuser`,
        `KMS cannot find a kmsuser crypto user in cluster ${store.clusterId}. Create it, give the key store its password, and connect. (kmsuser owns the key material of the store's keys: if it was deleted together with key objects, those keys' material is gone and only a backup brings it back.)`,
        [disconnect, ctx.proc.createKmsuser(store.clusterId), ctx.proc.updatePassword(store.id), connect],
        GUIDE.credentials,
      );
    default:
      return finding(
        'the last connection attempt failed',
        `The last attempt to connect failed${code ? ` with ${code}, a code the guide does not list` : ' without an error code'}. Disconnect and connect again; if it fails again, look at the attempt's CloudTrail event.`,
        [disconnect, connect],
      );
  }
}
