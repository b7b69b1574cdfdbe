import type { StoreFacts } from '../facts.js';
import { type EvidenceValue, fixOf, type FixStep, GUIDE } from '../finding.js';
import { clusterGone, failedWith, isoTime, type RuleContext, storeEvidence } from './context.js';

// kmsuser on the HSMs: whether it exists, is locked out, or is logged in somewhere. No public API
// shows it; the guide's readers look with the CloudHSM tools, and doctor names those commands.
// Against Keywarden, `--deep` reads it through Keywarden's HSM API, and then the same facts say
// how the next connection attempt will end.

export const LOCKOUT_AFTER = 5;

export function kmsuserRule(store: StoreFacts, ctx: RuleContext): void {
  if (clusterGone(store) || (store.cluster.ok && store.cluster.value?.state !== 'ACTIVE')) return;
  const read = store.kmsuser;
  if (!read || !read.ok) {
    const how = ctx.proc.inspectKmsuser(store.clusterId);
    ctx.out.unchecked({
      check: `kmsuser on cluster ${store.clusterId}: that it exists, is not locked out, and is not logged in elsewhere`,
      customKeyStoreId: store.id,
      reason: read ? read.reason : 'no public API shows the users of an HSM (against Keywarden, --deep reads them)',
      commands: { awsCli: [], ...how },
      essential: false,
    });
    return;
  }
  const user = read.value;
  const connected = store.connectionState === 'CONNECTED';
  const evidence: Record<string, EvidenceValue> = { ...storeEvidence(store) };
  // Disconnect unless already disconnected, repair, connect.
  const cycle = (...repair: FixStep[]): FixStep[] => [...(store.connectionState === 'DISCONNECTED' ? [] : [ctx.proc.disconnect(store.id)]), ...repair, ctx.proc.connect(store.id)];

  if (!user) {
    if (failedWith(store, 'USER_NOT_FOUND')) return;
    ctx.out.add({
      severity: 'error',
      code: 'KMSUSER_MISSING',
      customKeyStoreId: store.id,
      title: `cluster ${store.clusterId} has no kmsuser`,
      cause: `KMS logs in to the cluster as the crypto user kmsuser, and cluster ${store.clusterId} has none: ${connected ? 'the next connection attempt' : 'connecting'} will fail with USER_NOT_FOUND.`,
      evidence: { ...evidence, 'KeywardenHsm.ListUsers.kmsuser': 'none' },
      fix: fixOf(cycle(ctx.proc.createKmsuser(store.clusterId), ctx.proc.updatePassword(store.id))),
      guide: GUIDE.credentials,
    });
    return;
  }
  evidence['KeywardenHsm.ListUsers.kmsuser.Locked'] = user.locked;
  evidence['KeywardenHsm.ListUsers.kmsuser.LoginFailureCount'] = user.failedLogins;
  if (user.locked) {
    if (failedWith(store, 'USER_LOCKED_OUT') || ctx.out.findings.some((f) => f.customKeyStoreId === store.id && f.code === 'CRYPTO_KMSUSER_LOCKED_OUT')) return;
    ctx.out.add({
      severity: 'error',
      code: 'KMSUSER_LOCKED',
      customKeyStoreId: store.id,
      title: `kmsuser is locked out of cluster ${store.clusterId}`,
      cause: connected
        ? 'kmsuser is locked after too many failed password attempts: cryptographic calls with the store\u2019s keys fail ("…because the kmsuser is locked out") even though the store is CONNECTED, and reconnecting would fail with USER_LOCKED_OUT.'
        : `kmsuser is locked after too many failed password attempts: connecting will fail with USER_LOCKED_OUT.`,
      evidence,
      fix: fixOf(cycle(ctx.proc.resetKmsuserPassword(store.clusterId), ctx.proc.updatePassword(store.id))),
      guide: GUIDE.credentials,
    });
    return;
  }
  const people = (user.sessions ?? []).filter((s) => s.client !== 'kms');
  if (people.length > 0 && !connected && !failedWith(store, 'USER_LOGGED_IN')) {
    evidence['KeywardenHsm.ListUsers.kmsuser.Sessions'] = people.map((s) => `${s.client} since ${isoTime(s.openedAt)}`).join(', ');
    ctx.out.add({
      severity: 'error',
      code: 'KMSUSER_LOGGED_IN',
      customKeyStoreId: store.id,
      title: `kmsuser is logged in to cluster ${store.clusterId}`,
      cause: 'Someone is logged in as kmsuser (a CloudHSM tool session that was not logged out): connecting will fail with USER_LOGGED_IN until kmsuser logs out. If its password was changed to log in, the store needs the new one too.',
      evidence,
      fix: fixOf(ctx.proc.logoutKmsuser(store.clusterId), cycle({ ...ctx.proc.updatePassword(store.id), say: "Only if kmsuser's password was changed to log in: tell the key store the new one." })),
      guide: GUIDE.login,
    });
    return;
  }
  if (user.failedLogins > 0 && store.connectionState !== 'FAILED') {
    ctx.out.add({
      severity: 'warning',
      code: 'KMSUSER_FAILED_LOGINS',
      customKeyStoreId: store.id,
      title: `kmsuser has ${user.failedLogins} failed login${user.failedLogins === 1 ? '' : 's'} in a row on cluster ${store.clusterId}`,
      cause: `Someone tried kmsuser's password and got it wrong ${user.failedLogins} time${user.failedLogins === 1 ? '' : 's'}; at ${LOCKOUT_AFTER} the cluster locks kmsuser, and the store's keys fail until an admin sets a new password. A successful login resets the count.`,
      evidence,
      fix: fixOf({ say: 'Find who or what is trying kmsuser\u2019s password, and stop it; the count resets at the next successful login or password change.', ...ctx.proc.inspectKmsuser(store.clusterId) }),
      guide: GUIDE.credentials,
    });
  }
}

/** Keywarden's faults in force (`--deep`): what `keywarden fault` switched on, with the command that switches it off. */
export function faultsRule(store: StoreFacts, ctx: RuleContext): void {
  const f = ctx.facts.faults;
  if (!f?.ok) return;
  for (const fault of f.value) {
    if (fault.customKeyStoreId !== store.id && fault.clusterId !== store.clusterId) continue;
    const undo =
      fault.fault === 'NETWORK_CUT'
        ? ctx.cmd.keywarden('fault', 'restore-network', '--cluster-id', fault.clusterId!)
        : fault.customKeyStoreId
          ? ctx.cmd.keywarden('fault', 'clear', '--custom-key-store-id', fault.customKeyStoreId, '--fault', fault.fault)
          : ctx.cmd.keywarden('fault', 'clear', '--cluster-id', fault.clusterId!, '--fault', fault.fault);
    const what: Record<string, string> = {
      NETWORK_CUT: `the service's network path to cluster ${fault.clusterId} is cut: connecting fails with NETWORK_ERRORS and cryptographic calls with "KMS cannot communicate with your CloudHSM cluster"`,
      CONNECT_INTERNAL_ERROR: `the next connection attempt of ${fault.customKeyStoreId} fails with INTERNAL_ERROR`,
      SESSION_LIMIT: `each HSM of cluster ${fault.clusterId} holds only ${fault.sessionsPerHsm} session${fault.sessionsPerHsm === 1 ? '' : 's'}: bursts fail with KMSInternalException (PKCS #11 sessions)`,
    };
    ctx.out.add({
      severity: 'info',
      code: 'KEYWARDEN_FAULT',
      customKeyStoreId: store.id,
      title: `Keywarden fault ${fault.fault} is in force`,
      cause: `A fault switched on with 'keywarden fault' to rehearse the guide: ${what[fault.fault] ?? fault.fault}.`,
      evidence: { 'KeywardenAdmin.ListFaults': `${fault.fault} on ${fault.clusterId ?? fault.customKeyStoreId}` },
      fix: fixOf({ say: 'Switch it off when the rehearsal is over.', keywarden: [undo] }),
      guide: GUIDE.connection,
    });
  }
}
