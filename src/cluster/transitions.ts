import type { BackupRecord, ClusterRecord, ClusterState, Hsm } from './model.js';

// The states CloudHSM reaches on its own, some time after a call: a table of what each
// in-progress state becomes, and pure functions that apply every transition that is due.

/** How long CloudHSM's asynchronous work takes here (AWS: minutes; Keywarden: configurable). */
export interface ClusterTimings {
  /** CreateCluster, InitializeCluster, ModifyCluster (HSM type) and DeleteCluster. */
  clusterMs: number;
  /** CreateHsm and DeleteHsm. */
  hsmMs: number;
  /** A backup being taken or copied to another region. */
  backupMs: number;
}

export const DEFAULT_TIMINGS: ClusterTimings = { clusterMs: 2_000, hsmMs: 2_000, backupMs: 2_000 };

export const timingsOf = (ms: number): ClusterTimings => ({ clusterMs: ms, hsmMs: ms, backupMs: ms });

/** What an in-progress cluster state becomes when its time is up. */
const CLUSTER_NEXT: Partial<Record<ClusterState, (c: ClusterRecord) => ClusterState>> = {
  // A cluster restored from a backup needs no initialisation: it is ACTIVE at once.
  CREATE_IN_PROGRESS: (c) => (c.sourceBackupId ? 'ACTIVE' : 'UNINITIALIZED'),
  INITIALIZE_IN_PROGRESS: () => 'INITIALIZED',
  UPDATE_IN_PROGRESS: () => 'ACTIVE',
  MODIFY_IN_PROGRESS: () => 'ACTIVE',
  ROLLBACK_IN_PROGRESS: () => 'ACTIVE',
  DELETE_IN_PROGRESS: () => 'DELETED',
};

export type ClusterEvent =
  | { kind: 'hsm-active'; hsm: Hsm }
  | { kind: 'hsm-deleted'; hsm: Hsm }
  | { kind: 'cluster-state'; from: ClusterState; to: ClusterState };

export interface Settled {
  cluster: ClusterRecord;
  events: ClusterEvent[];
}

/** Applies every HSM and cluster transition due at `now`; the record is not changed in place. */
export function settleCluster(cluster: ClusterRecord, now: number): Settled {
  const events: ClusterEvent[] = [];
  const hsms: Hsm[] = [];
  for (const hsm of cluster.hsms) {
    if (hsm.transitionAt === undefined || hsm.transitionAt > now) {
      hsms.push(hsm);
    } else if (hsm.state === 'CREATE_IN_PROGRESS') {
      const active: Hsm = { ...hsm, state: 'ACTIVE', transitionAt: undefined, stateMessage: undefined };
      hsms.push(active);
      events.push({ kind: 'hsm-active', hsm: active });
    } else if (hsm.state === 'DELETE_IN_PROGRESS') {
      events.push({ kind: 'hsm-deleted', hsm: { ...hsm, state: 'DELETED', transitionAt: undefined } });
    } else {
      hsms.push({ ...hsm, transitionAt: undefined });
    }
  }
  let next: ClusterRecord = events.length > 0 ? { ...cluster, hsms } : cluster;
  const become = CLUSTER_NEXT[cluster.state];
  if (become && cluster.transitionAt !== undefined && cluster.transitionAt <= now) {
    const to = become(cluster);
    next = { ...next, state: to, stateMessage: undefined, transitionAt: to === 'DELETED' ? now : undefined };
    events.push({ kind: 'cluster-state', from: cluster.state, to });
  }
  return { cluster: next, events };
}

/** The earliest pending transition of a cluster or one of its HSMs, if any. */
export function nextClusterTransition(cluster: ClusterRecord): number | undefined {
  let at = cluster.transitionAt;
  for (const h of cluster.hsms) if (h.transitionAt !== undefined && (at === undefined || h.transitionAt < at)) at = h.transitionAt;
  return at;
}

/** CREATE_IN_PROGRESS → READY; PENDING_DELETION → DELETED (its content goes, the record stays visible). */
export function settleBackup(backup: BackupRecord, now: number): BackupRecord {
  if (backup.transitionAt === undefined || backup.transitionAt > now) return backup;
  switch (backup.state) {
    case 'CREATE_IN_PROGRESS':
      return { ...backup, state: 'READY', transitionAt: undefined };
    case 'PENDING_DELETION':
      return {
        ...backup,
        state: 'DELETED',
        transitionAt: undefined,
        content: { users: [], keys: [], nextHandle: backup.content.nextHandle },
        resourcePolicy: undefined,
      };
    default:
      return { ...backup, transitionAt: undefined };
  }
}
