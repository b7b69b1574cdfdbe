import { DAY_MS } from '../core/clock.js';
import { cloneContent, emptyContent, type ClusterDeps } from './context.js';
import { CloudHsmInvalidRequestException, CloudHsmResourceNotFoundException } from './errors.js';
import { backupArn, newBackupId, parseCloudHsmArn } from './ids.js';
import type { BackupRecord, BackupState, ClusterRecord, Scope, Tag } from './model.js';
import { page, type Paged } from './paging.js';
import { checkTags } from './tags.js';
import { settleBackup } from './transitions.js';

/** A backup stays restorable this long after DeleteBackup (or a retention purge). */
export const BACKUP_DELETION_WINDOW_MS = 7 * DAY_MS;
/** CloudHSM backs up every active cluster at least this often. */
export const DAILY_BACKUP_MS = DAY_MS;

export interface BackupFilters {
  backupIds?: string[];
  sourceBackupIds?: string[];
  clusterIds?: string[];
  states?: string[];
  neverExpires?: string[];
}

const FILTER_KEYS = ['backupIds', 'sourceBackupIds', 'clusterIds', 'states', 'neverExpires'];

export interface DescribeBackupsInput {
  filters?: Readonly<Record<string, readonly string[]>>;
  sortAscending?: boolean;
  maxResults?: number;
  nextToken?: string;
}

/**
 * Cluster backups: snapshots of what a cluster holds (users and key objects) with its identity
 * (lineage, cluster certificate, trust anchor). Taken daily, when a cluster is activated, when an
 * HSM is added to or removed from an active cluster, and on demand; purged by the cluster's
 * retention policy into PENDING_DELETION, from which RestoreBackup brings them back for 7 days.
 */
export class BackupService {
  constructor(private readonly deps: ClusterDeps) {}

  private get repo() {
    return this.deps.store.backups;
  }

  /** Starts a backup of the cluster's current content; it is READY after the backup delay. */
  async take(cluster: ClusterRecord): Promise<BackupRecord> {
    const now = this.deps.clock.now();
    const content = (await this.deps.store.contents.get(cluster.clusterId)) ?? emptyContent();
    const backup: BackupRecord = {
      accountId: cluster.accountId,
      region: cluster.region,
      backupId: newBackupId(this.deps.random),
      clusterId: cluster.clusterId,
      state: 'CREATE_IN_PROGRESS',
      createdAt: now,
      transitionAt: now + this.deps.timings.backupMs,
      neverExpires: false,
      hsmType: cluster.hsmType,
      mode: cluster.mode,
      tags: [],
      lineageId: cluster.lineageId,
      clusterCertificate: cluster.certificates.clusterCertificate,
      trustAnchor: cluster.trustAnchor,
      content: cloneContent(content),
    };
    await this.repo.insert(backup);
    return backup;
  }

  /** Completes every backup transition that is due, in every scope. */
  async settleDue(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.repo.dueForTransition(now);
    for (const b of due) await this.repo.update(b, b.backupId, (cur) => settleBackup(cur, now));
    return due.length;
  }

  async get(scope: Scope, backupId: string): Promise<BackupRecord> {
    await this.settleDue();
    const backup = await this.repo.get(scope, backupId);
    if (!backup) throw notFound(backupId);
    return backup;
  }

  /** A backup named by id or by ARN (CreateCluster's SourceBackupId takes either). */
  async resolve(scope: Scope, idOrArn: string): Promise<BackupRecord> {
    let id = idOrArn;
    if (idOrArn.startsWith('arn:')) {
      const arn = parseCloudHsmArn(idOrArn);
      if (!arn || arn.kind !== 'backup' || arn.region !== scope.region || arn.accountId !== scope.accountId) throw notFound(idOrArn);
      id = arn.id;
    }
    return this.get(scope, id);
  }

  async describe(scope: Scope, input: DescribeBackupsInput): Promise<Paged<BackupRecord>> {
    await this.settleDue();
    const filters = input.filters ?? {};
    for (const key of Object.keys(filters)) {
      if (!FILTER_KEYS.includes(key)) {
        throw new CloudHsmInvalidRequestException(`Invalid filter key: ${key}. Valid filter keys are ${FILTER_KEYS.join(', ')}.`);
      }
    }
    const f = filters as BackupFilters;
    const never = f.neverExpires?.map(parseBoolean);
    const matches = (b: BackupRecord) =>
      (!f.backupIds || f.backupIds.includes(b.backupId)) &&
      (!f.sourceBackupIds || (b.sourceBackup !== undefined && f.sourceBackupIds.includes(b.sourceBackup))) &&
      (!f.clusterIds || f.clusterIds.includes(b.clusterId)) &&
      (!f.states || f.states.includes(b.state)) &&
      (!never || never.includes(b.neverExpires));
    // The store lists oldest first; SortAscending keeps that order, otherwise newest first.
    const all = (await this.repo.list(scope)).filter(matches);
    const descending = input.sortAscending !== true;
    if (descending) all.reverse();
    return page(all, sortKey, input.maxResults ?? 50, input.nextToken, descending);
  }

  /** DeleteBackup: READY → PENDING_DELETION, gone for good 7 days later unless restored. */
  async delete(scope: Scope, backupId: string): Promise<BackupRecord> {
    await this.get(scope, backupId);
    const now = this.deps.clock.now();
    return this.change(scope, backupId, (b) => {
      if (b.state !== 'READY') {
        throw new CloudHsmInvalidRequestException(`Backup ${backupId} is in state ${b.state}; only a backup in state READY can be deleted.`);
      }
      return markForDeletion(b, now);
    });
  }

  /** RestoreBackup: PENDING_DELETION → READY. */
  async restore(scope: Scope, backupId: string): Promise<BackupRecord> {
    await this.get(scope, backupId);
    return this.change(scope, backupId, (b) => {
      if (b.state !== 'PENDING_DELETION') {
        throw new CloudHsmInvalidRequestException(
          `Backup ${backupId} is in state ${b.state}; only a backup in state PENDING_DELETION can be restored.`,
        );
      }
      return { ...b, state: 'READY', deleteTimestamp: undefined, transitionAt: undefined };
    });
  }

  async setNeverExpires(scope: Scope, backupId: string, neverExpires: boolean): Promise<BackupRecord> {
    await this.get(scope, backupId);
    return this.change(scope, backupId, (b) => {
      if (b.state === 'DELETED') throw new CloudHsmInvalidRequestException(`Backup ${backupId} is deleted.`);
      return { ...b, neverExpires };
    });
  }

  /**
   * CopyBackupToRegion: a new backup in the destination region with the same content and
   * lineage, CREATE_IN_PROGRESS until the copy completes. It belongs to no cluster there, so no
   * retention policy purges it.
   */
  async copyToRegion(scope: Scope, backupId: string, destinationRegion: string, tags: Tag[] = []): Promise<BackupRecord> {
    const source = await this.get(scope, backupId);
    checkTags(tags);
    if (destinationRegion === scope.region) {
      throw new CloudHsmInvalidRequestException(`The destination region must differ from the backup's region ${scope.region}.`);
    }
    if (source.state !== 'READY') {
      throw new CloudHsmInvalidRequestException(`Backup ${backupId} is in state ${source.state}; only a backup in state READY can be copied.`);
    }
    const now = this.deps.clock.now();
    const copy: BackupRecord = {
      ...source,
      region: destinationRegion,
      backupId: newBackupId(this.deps.random),
      state: 'CREATE_IN_PROGRESS',
      transitionAt: now + this.deps.timings.backupMs,
      copyTimestamp: now,
      neverExpires: false,
      deleteTimestamp: undefined,
      sourceRegion: scope.region,
      sourceBackup: source.backupId,
      sourceCluster: source.clusterId,
      tags,
      content: cloneContent(source.content),
      resourcePolicy: undefined,
    };
    await this.repo.insert(copy);
    return copy;
  }

  async setTags(scope: Scope, backupId: string, change: (tags: Tag[]) => Tag[]): Promise<BackupRecord> {
    await this.get(scope, backupId);
    return this.change(scope, backupId, (b) => ({ ...b, tags: change(b.tags) }));
  }

  /** PutResourcePolicy: only backups take resource policies, and only READY ones you own. */
  async putPolicy(scope: Scope, resourceArn: string | undefined, policy: string | undefined): Promise<BackupRecord> {
    const backupId = await this.policyTarget(scope, resourceArn);
    if (policy === undefined) throw new CloudHsmInvalidRequestException('Policy is required.');
    try {
      const doc: unknown = JSON.parse(policy);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    } catch {
      throw new CloudHsmInvalidRequestException('The policy is not a valid JSON policy document.');
    }
    return this.change(scope, backupId, (b) => {
      if (b.state !== 'READY') {
        throw new CloudHsmInvalidRequestException(`Backup ${backupId} is in state ${b.state}; only a backup in state READY can be shared.`);
      }
      return { ...b, resourcePolicy: policy };
    });
  }

  async getPolicy(scope: Scope, resourceArn: string | undefined): Promise<BackupRecord> {
    return this.get(scope, await this.policyTarget(scope, resourceArn));
  }

  /** DeleteResourcePolicy; returns the backup as it was, so the caller can echo the old policy. */
  async deletePolicy(scope: Scope, resourceArn: string | undefined): Promise<BackupRecord> {
    const before = await this.get(scope, await this.policyTarget(scope, resourceArn));
    await this.change(scope, before.backupId, (b) => ({ ...b, resourcePolicy: undefined }));
    return before;
  }

  /** Daily backups: every ACTIVE cluster with an ACTIVE HSM whose newest backup is a day old. */
  async takeDaily(): Promise<number> {
    const now = this.deps.clock.now();
    let taken = 0;
    const byScope = new Map<string, BackupRecord[]>();
    for (const cluster of await this.deps.store.clusters.all()) {
      if (cluster.state !== 'ACTIVE' || !cluster.hsms.some((h) => h.state === 'ACTIVE')) continue;
      const newest = (await this.scopeBackups(byScope, cluster))
        .filter((b) => b.clusterId === cluster.clusterId && b.sourceRegion === undefined)
        .reduce((max, b) => Math.max(max, b.createdAt), -Infinity);
      if (now - newest >= DAILY_BACKUP_MS) {
        await this.take(cluster);
        taken++;
      }
    }
    return taken;
  }

  /**
   * The retention policy: READY backups older than the cluster's retention period go to
   * PENDING_DELETION (restorable like a manual delete), except each cluster's newest backup and
   * backups marked NeverExpires. Backups of deleted clusters and cross-region copies have no policy.
   */
  async purgeExpired(): Promise<number> {
    const now = this.deps.clock.now();
    let purged = 0;
    const byScope = new Map<string, BackupRecord[]>();
    for (const cluster of await this.deps.store.clusters.all()) {
      const own = (await this.scopeBackups(byScope, cluster)).filter(
        (b) => b.clusterId === cluster.clusterId && b.sourceRegion === undefined && (b.state === 'READY' || b.state === 'CREATE_IN_PROGRESS'),
      );
      const newest = own.reduce<BackupRecord | undefined>((n, b) => (!n || b.createdAt >= n.createdAt ? b : n), undefined);
      const cutoff = now - cluster.backupRetentionDays * DAY_MS;
      for (const b of own) {
        if (b === newest || b.neverExpires || b.state !== 'READY' || b.createdAt > cutoff) continue;
        await this.repo.update(b, b.backupId, (cur) => (cur.state === 'READY' && !cur.neverExpires ? markForDeletion(cur, now) : cur));
        purged++;
      }
    }
    return purged;
  }

  private async scopeBackups(cache: Map<string, BackupRecord[]>, scope: Scope): Promise<BackupRecord[]> {
    const key = `${scope.accountId}/${scope.region}`;
    let list = cache.get(key);
    if (!list) cache.set(key, (list = await this.repo.list(scope)));
    return list;
  }

  private async policyTarget(scope: Scope, resourceArn: string | undefined): Promise<string> {
    if (resourceArn === undefined) throw new CloudHsmInvalidRequestException('ResourceArn is required.');
    const arn = parseCloudHsmArn(resourceArn);
    if (!arn) throw new CloudHsmInvalidRequestException(`${resourceArn} is not a CloudHSM resource ARN.`);
    if (arn.kind !== 'backup') throw new CloudHsmInvalidRequestException('Only backups support resource policies.');
    if (arn.accountId !== scope.accountId || arn.region !== scope.region) throw notFound(arn.id);
    return arn.id;
  }

  private async change(scope: Scope, backupId: string, fn: (b: BackupRecord) => BackupRecord): Promise<BackupRecord> {
    const updated = await this.repo.update(scope, backupId, fn);
    if (!updated) throw notFound(backupId);
    return updated;
  }
}

export const arnOf = (b: BackupRecord) => backupArn(b.region, b.accountId, b.backupId);

function markForDeletion(b: BackupRecord, now: number): BackupRecord {
  const at = now + BACKUP_DELETION_WINDOW_MS;
  return { ...b, state: 'PENDING_DELETION' as BackupState, deleteTimestamp: at, transitionAt: at };
}

const sortKey = (b: BackupRecord) => `${String(b.createdAt).padStart(15, '0')}:${b.backupId}`;

function parseBoolean(v: string): boolean {
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw new CloudHsmInvalidRequestException(`Invalid value for filter neverExpires: ${v}. Use true or false.`);
}

const notFound = (backupId: string) => new CloudHsmResourceNotFoundException(`Backup ${backupId} not found.`);
