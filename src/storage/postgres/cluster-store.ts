import type { BackupRecord, ClusterRecord, Scope, Subnet } from '../../cluster/model.js';
import type { BackupRepository, ClusterRepository, ClusterStore, NetworkSetup, Page, SubnetRepository } from '../../cluster/repository.js';
import { nextClusterTransition } from '../../cluster/transitions.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import { inTransaction, LOCK, lockName } from './transaction.js';
import { cannotBeStored } from './text-values.js';
import { pageOf, rowsFor } from '../paging.js';

export const CLUSTER_SCHEMA: SchemaPart = {
  part: 'cluster',
  steps: [
    `CREATE TABLE cluster_networks (
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       vpc_id TEXT NOT NULL,
       PRIMARY KEY (account_id, region)
     );
     CREATE TABLE cluster_subnets (
       subnet_id TEXT COLLATE "C" PRIMARY KEY,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       doc TEXT NOT NULL
     );
     CREATE INDEX cluster_subnets_scope ON cluster_subnets (account_id, region, subnet_id);
     CREATE TABLE clusters (
       cluster_id TEXT COLLATE "C" PRIMARY KEY,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       transition_at BIGINT,
       doc TEXT NOT NULL
     );
     CREATE INDEX clusters_scope ON clusters (account_id, region, cluster_id);
     CREATE INDEX clusters_transition ON clusters (transition_at) WHERE transition_at IS NOT NULL;
     CREATE TABLE cluster_backups (
       backup_id TEXT COLLATE "C" PRIMARY KEY,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       created_at BIGINT NOT NULL,
       transition_at BIGINT,
       doc TEXT NOT NULL
     );
     CREATE INDEX cluster_backups_scope ON cluster_backups (account_id, region, created_at, backup_id);
     CREATE INDEX cluster_backups_transition ON cluster_backups (transition_at) WHERE transition_at IS NOT NULL;`,
  ],
};

export type ClusterRepositories = Pick<ClusterStore, 'subnets' | 'clusters' | 'backups'>;

/** SubnetRepository, ClusterRepository and BackupRepository: one JSON document per record, the columns the queries need beside it. */
export function pgClusterRepositories(db: PgDatabase): ClusterRepositories {
  return { subnets: new PgSubnets(db), clusters: new PgClusters(db), backups: new PgBackups(db) };
}

interface DocRow {
  doc: string;
}

const first = <T>(rows: DocRow[]): T | undefined => (rows[0] ? (JSON.parse(rows[0].doc) as T) : undefined);
const all = <T>(rows: DocRow[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);

const SUBNET = {
  network: statement('cluster-network', 'SELECT vpc_id FROM cluster_networks WHERE account_id = $1 AND region = $2'),
  insertNetwork: statement('cluster-network-insert', 'INSERT INTO cluster_networks (account_id, region, vpc_id) VALUES ($1, $2, $3)'),
  insert: statement('cluster-subnet-insert', 'INSERT INTO cluster_subnets (subnet_id, account_id, region, doc) VALUES ($1, $2, $3, $4)'),
  get: statement('cluster-subnet-get', 'SELECT doc FROM cluster_subnets WHERE subnet_id = $1 AND account_id = $2 AND region = $3'),
  locked: statement('cluster-subnet-locked', 'SELECT doc FROM cluster_subnets WHERE subnet_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  list: statement('cluster-subnet-list', 'SELECT doc FROM cluster_subnets WHERE account_id = $1 AND region = $2 ORDER BY subnet_id'),
  write: statement('cluster-subnet-write', 'UPDATE cluster_subnets SET doc = $2 WHERE subnet_id = $1'),
  remove: statement('cluster-subnet-remove', 'DELETE FROM cluster_subnets WHERE subnet_id = $1 AND account_id = $2 AND region = $3'),
};

const subnetValues = (s: Subnet) => [s.subnetId, s.accountId, s.region, JSON.stringify(s)];

class PgSubnets implements SubnetRepository {
  constructor(private readonly db: PgDatabase) {}

  async initNetwork(scope: Scope, create: () => NetworkSetup): Promise<string> {
    // Fast path: the network exists after the first call, so no transaction is needed.
    const existing = (await this.db.pool.query<{ vpc_id: string }>(SUBNET.network(scope.accountId, scope.region))).rows[0];
    if (existing) return existing.vpc_id;
    return inTransaction(this.db.pool, async (tx) => {
      // Nodes setting up one scope's network at once: one creates it, the others find it.
      await lockName(tx, LOCK.networkScope, `${scope.accountId}/${scope.region}`);
      const made = (await tx.query<{ vpc_id: string }>(SUBNET.network(scope.accountId, scope.region))).rows[0];
      if (made) return made.vpc_id;
      const setup = create();
      await tx.query(SUBNET.insertNetwork(scope.accountId, scope.region, setup.vpcId));
      for (const s of setup.subnets) await tx.query(SUBNET.insert(...subnetValues(s)));
      return setup.vpcId;
    });
  }

  async insert(subnet: Subnet): Promise<void> {
    await this.db.pool.query(SUBNET.insert(...subnetValues(subnet)));
  }

  async get(scope: Scope, subnetId: string): Promise<Subnet | undefined> {
    if (cannotBeStored(subnetId)) return undefined;
    return first((await this.db.pool.query<DocRow>(SUBNET.get(subnetId, scope.accountId, scope.region))).rows);
  }

  async list(scope: Scope): Promise<Subnet[]> {
    const subnets = all<Subnet>((await this.db.pool.query<DocRow>(SUBNET.list(scope.accountId, scope.region))).rows);
    return subnets.sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.subnetId.localeCompare(b.subnetId));
  }

  async update(scope: Scope, subnetId: string, change: (s: Subnet) => Subnet): Promise<Subnet | undefined> {
    if (cannotBeStored(subnetId)) return undefined;
    return inTransaction(this.db.pool, async (tx) => {
      const current = first<Subnet>((await tx.query<DocRow>(SUBNET.locked(subnetId, scope.accountId, scope.region))).rows);
      if (!current) return undefined;
      const next = change(current);
      await tx.query(SUBNET.write(subnetId, JSON.stringify(next)));
      return next;
    });
  }

  async remove(scope: Scope, subnetId: string): Promise<boolean> {
    if (cannotBeStored(subnetId)) return false;
    return (await this.db.pool.query(SUBNET.remove(subnetId, scope.accountId, scope.region))).rowCount === 1;
  }
}

const CLUSTER = {
  insert: statement('cluster-insert', 'INSERT INTO clusters (cluster_id, account_id, region, transition_at, doc) VALUES ($1, $2, $3, $4, $5)'),
  get: statement('cluster-get', 'SELECT doc FROM clusters WHERE cluster_id = $1 AND account_id = $2 AND region = $3'),
  locked: statement('cluster-locked', 'SELECT doc FROM clusters WHERE cluster_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  write: statement('cluster-write', 'UPDATE clusters SET transition_at = $2, doc = $3 WHERE cluster_id = $1'),
  list: statement('cluster-list', 'SELECT doc FROM clusters WHERE account_id = $1 AND region = $2 AND cluster_id > $3 ORDER BY cluster_id LIMIT $4'),
  remove: statement('cluster-remove', 'DELETE FROM clusters WHERE cluster_id = $1 AND account_id = $2 AND region = $3'),
  due: statement('cluster-due', 'SELECT doc FROM clusters WHERE transition_at IS NOT NULL AND transition_at <= $1 ORDER BY transition_at'),
  all: statement('cluster-all', 'SELECT doc FROM clusters ORDER BY account_id, region, cluster_id'),
};

const clusterValues = (c: ClusterRecord) => [c.clusterId, c.accountId, c.region, nextClusterTransition(c) ?? null, JSON.stringify(c)];

class PgClusters implements ClusterRepository {
  constructor(private readonly db: PgDatabase) {}

  async insert(cluster: ClusterRecord): Promise<void> {
    await this.db.pool.query(CLUSTER.insert(...clusterValues(cluster)));
  }

  async get(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    if (cannotBeStored(clusterId)) return undefined;
    return first((await this.db.pool.query<DocRow>(CLUSTER.get(clusterId, scope.accountId, scope.region))).rows);
  }

  async update(scope: Scope, clusterId: string, change: (c: ClusterRecord) => ClusterRecord): Promise<ClusterRecord | undefined> {
    if (cannotBeStored(clusterId)) return undefined;
    return inTransaction(this.db.pool, async (tx) => {
      const current = first<ClusterRecord>((await tx.query<DocRow>(CLUSTER.locked(clusterId, scope.accountId, scope.region))).rows);
      if (!current) return undefined;
      const next = change(current);
      await tx.query(CLUSTER.write(next.clusterId, nextClusterTransition(next) ?? null, JSON.stringify(next)));
      return next;
    });
  }

  async list(scope: Scope, limit: number, after = ''): Promise<Page<ClusterRecord>> {
    const rows = (await this.db.pool.query<DocRow>(CLUSTER.list(scope.accountId, scope.region, after, rowsFor(limit)))).rows;
    return pageOf(rows, limit, (r) => JSON.parse(r.doc) as ClusterRecord, (c) => c.clusterId);
  }

  async remove(scope: Scope, clusterId: string): Promise<void> {
    if (cannotBeStored(clusterId)) return;
    await this.db.pool.query(CLUSTER.remove(clusterId, scope.accountId, scope.region));
  }

  async dueForTransition(now: number): Promise<ClusterRecord[]> {
    return all((await this.db.pool.query<DocRow>(CLUSTER.due(now))).rows);
  }

  async all(): Promise<ClusterRecord[]> {
    return all((await this.db.pool.query<DocRow>(CLUSTER.all())).rows);
  }
}

const BACKUP = {
  insert: statement(
    'cluster-backup-insert',
    'INSERT INTO cluster_backups (backup_id, account_id, region, created_at, transition_at, doc) VALUES ($1, $2, $3, $4, $5, $6)',
  ),
  get: statement('cluster-backup-get', 'SELECT doc FROM cluster_backups WHERE backup_id = $1 AND account_id = $2 AND region = $3'),
  locked: statement('cluster-backup-locked', 'SELECT doc FROM cluster_backups WHERE backup_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  write: statement('cluster-backup-write', 'UPDATE cluster_backups SET transition_at = $2, doc = $3 WHERE backup_id = $1'),
  list: statement('cluster-backup-list', 'SELECT doc FROM cluster_backups WHERE account_id = $1 AND region = $2 ORDER BY created_at, backup_id'),
  due: statement('cluster-backup-due', 'SELECT doc FROM cluster_backups WHERE transition_at IS NOT NULL AND transition_at <= $1 ORDER BY transition_at'),
};

const backupValues = (b: BackupRecord) => [b.backupId, b.accountId, b.region, b.createdAt, b.transitionAt ?? null, JSON.stringify(b)];

class PgBackups implements BackupRepository {
  constructor(private readonly db: PgDatabase) {}

  async insert(backup: BackupRecord): Promise<void> {
    await this.db.pool.query(BACKUP.insert(...backupValues(backup)));
  }

  async get(scope: Scope, backupId: string): Promise<BackupRecord | undefined> {
    if (cannotBeStored(backupId)) return undefined;
    return first((await this.db.pool.query<DocRow>(BACKUP.get(backupId, scope.accountId, scope.region))).rows);
  }

  async update(scope: Scope, backupId: string, change: (b: BackupRecord) => BackupRecord): Promise<BackupRecord | undefined> {
    if (cannotBeStored(backupId)) return undefined;
    return inTransaction(this.db.pool, async (tx) => {
      const current = first<BackupRecord>((await tx.query<DocRow>(BACKUP.locked(backupId, scope.accountId, scope.region))).rows);
      if (!current) return undefined;
      const next = change(current);
      await tx.query(BACKUP.write(next.backupId, next.transitionAt ?? null, JSON.stringify(next)));
      return next;
    });
  }

  async list(scope: Scope): Promise<BackupRecord[]> {
    return all((await this.db.pool.query<DocRow>(BACKUP.list(scope.accountId, scope.region))).rows);
  }

  async dueForTransition(now: number): Promise<BackupRecord[]> {
    return all((await this.db.pool.query<DocRow>(BACKUP.due(now))).rows);
  }
}
