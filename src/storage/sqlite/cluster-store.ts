import type { BackupRecord, ClusterRecord, Scope, Subnet } from '../../cluster/model.js';
import type { BackupRepository, ClusterRepository, ClusterStore, NetworkSetup, Page, SubnetRepository } from '../../cluster/repository.js';
import { nextClusterTransition } from '../../cluster/transitions.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { withWriteLock, writeTransaction } from './write-lock.js';
import { pageOf, rowsFor } from '../paging.js';

const CLUSTER_MIGRATIONS = [
  `CREATE TABLE cluster_networks (
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     vpc_id TEXT NOT NULL,
     PRIMARY KEY (account_id, region)
   );
   CREATE TABLE cluster_subnets (
     subnet_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX cluster_subnets_scope ON cluster_subnets (account_id, region, subnet_id);
   CREATE TABLE clusters (
     cluster_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     transition_at INTEGER,
     doc TEXT NOT NULL
   );
   CREATE INDEX clusters_scope ON clusters (account_id, region, cluster_id);
   CREATE INDEX clusters_transition ON clusters (transition_at) WHERE transition_at IS NOT NULL;
   CREATE TABLE cluster_backups (
     backup_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     transition_at INTEGER,
     doc TEXT NOT NULL
   );
   CREATE INDEX cluster_backups_scope ON cluster_backups (account_id, region, created_at, backup_id);
   CREATE INDEX cluster_backups_transition ON cluster_backups (transition_at) WHERE transition_at IS NOT NULL;`,
];

/** The cluster side's repositories (subnets, clusters, backups) on the shared database. */
export type ClusterRepositories = Pick<ClusterStore, 'subnets' | 'clusters' | 'backups'>;

/**
 * SubnetRepository, ClusterRepository and BackupRepository on a shared database (migration part
 * 'cluster'). Each record is one JSON document; the columns beside it are what the queries need.
 */
export function clusterRepositoriesOn(db: Db): ClusterRepositories {
  migrate(db, 'cluster', CLUSTER_MIGRATIONS);
  return { subnets: new SqliteSubnets(db), clusters: new SqliteClusters(db), backups: new SqliteBackups(db) };
}

interface DocRow {
  doc: string;
}

const parse = <T>(row: DocRow | undefined): T | undefined => (row ? (JSON.parse(row.doc) as T) : undefined);

class SqliteSubnets implements SubnetRepository {
  private readonly networkStmt;
  private readonly insertNetworkStmt;
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly writeStmt;
  private readonly removeStmt;
  private readonly initTx;
  private readonly updateTx;

  constructor(private readonly db: Db) {
    this.networkStmt = db.prepare<[string, string], { vpc_id: string }>('SELECT vpc_id FROM cluster_networks WHERE account_id = ? AND region = ?');
    this.insertNetworkStmt = db.prepare('INSERT INTO cluster_networks (account_id, region, vpc_id) VALUES (?, ?, ?)');
    this.insertStmt = db.prepare('INSERT INTO cluster_subnets (subnet_id, account_id, region, doc) VALUES (@subnetId, @accountId, @region, @doc)');
    this.getStmt = db.prepare<[string, string, string], DocRow>('SELECT doc FROM cluster_subnets WHERE subnet_id = ? AND account_id = ? AND region = ?');
    this.listStmt = db.prepare<[string, string], DocRow>('SELECT doc FROM cluster_subnets WHERE account_id = ? AND region = ? ORDER BY subnet_id');
    this.writeStmt = db.prepare('UPDATE cluster_subnets SET doc = ? WHERE subnet_id = ?');
    this.removeStmt = db.prepare('DELETE FROM cluster_subnets WHERE subnet_id = ? AND account_id = ? AND region = ?');
    this.initTx = writeTransaction(db, (scope: Scope, create: () => NetworkSetup): string => {
      const existing = this.networkStmt.get(scope.accountId, scope.region);
      if (existing) return existing.vpc_id;
      const setup = create();
      this.insertNetworkStmt.run(scope.accountId, scope.region, setup.vpcId);
      for (const s of setup.subnets) this.insertStmt.run(subnetColumns(s));
      return setup.vpcId;
    });
    this.updateTx = writeTransaction(db, (scope: Scope, subnetId: string, change: (s: Subnet) => Subnet) => {
      const current = parse<Subnet>(this.getStmt.get(subnetId, scope.accountId, scope.region));
      if (!current) return undefined;
      const next = change(current);
      this.writeStmt.run(JSON.stringify(next), subnetId);
      return next;
    });
  }

  async initNetwork(scope: Scope, create: () => NetworkSetup): Promise<string> {
    // Fast path: the network exists after the first call, so no write transaction is needed.
    return this.networkStmt.get(scope.accountId, scope.region)?.vpc_id ?? this.initTx(scope, create);
  }

  async insert(subnet: Subnet): Promise<void> {
    withWriteLock(this.db, () => this.insertStmt.run(subnetColumns(subnet)));
  }

  async get(scope: Scope, subnetId: string): Promise<Subnet | undefined> {
    return parse(this.getStmt.get(subnetId, scope.accountId, scope.region));
  }

  async list(scope: Scope): Promise<Subnet[]> {
    const subnets = this.listStmt.all(scope.accountId, scope.region).map((r) => JSON.parse(r.doc) as Subnet);
    return subnets.sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.subnetId.localeCompare(b.subnetId));
  }

  async update(scope: Scope, subnetId: string, change: (s: Subnet) => Subnet): Promise<Subnet | undefined> {
    return this.updateTx(scope, subnetId, change);
  }

  async remove(scope: Scope, subnetId: string): Promise<boolean> {
    return withWriteLock(this.db, () => this.removeStmt.run(subnetId, scope.accountId, scope.region)).changes === 1;
  }
}

const subnetColumns = (s: Subnet) => ({ subnetId: s.subnetId, accountId: s.accountId, region: s.region, doc: JSON.stringify(s) });

class SqliteClusters implements ClusterRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly writeStmt;
  private readonly listStmt;
  private readonly removeStmt;
  private readonly dueStmt;
  private readonly allStmt;
  private readonly updateTx;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO clusters (cluster_id, account_id, region, transition_at, doc) VALUES (@clusterId, @accountId, @region, @transitionAt, @doc)',
    );
    this.getStmt = db.prepare<[string, string, string], DocRow>('SELECT doc FROM clusters WHERE cluster_id = ? AND account_id = ? AND region = ?');
    this.writeStmt = db.prepare('UPDATE clusters SET transition_at = @transitionAt, doc = @doc WHERE cluster_id = @clusterId');
    this.listStmt = db.prepare<[string, string, string, number], DocRow>(
      'SELECT doc FROM clusters WHERE account_id = ? AND region = ? AND cluster_id > ? ORDER BY cluster_id LIMIT ?',
    );
    this.removeStmt = db.prepare('DELETE FROM clusters WHERE cluster_id = ? AND account_id = ? AND region = ?');
    this.dueStmt = db.prepare<[number], DocRow>('SELECT doc FROM clusters WHERE transition_at IS NOT NULL AND transition_at <= ? ORDER BY transition_at');
    this.allStmt = db.prepare<[], DocRow>('SELECT doc FROM clusters ORDER BY account_id, region, cluster_id');
    this.updateTx = writeTransaction(db, (scope: Scope, clusterId: string, change: (c: ClusterRecord) => ClusterRecord) => {
      const current = parse<ClusterRecord>(this.getStmt.get(clusterId, scope.accountId, scope.region));
      if (!current) return undefined;
      const next = change(current);
      this.writeStmt.run(clusterColumns(next));
      return next;
    });
  }

  async insert(cluster: ClusterRecord): Promise<void> {
    withWriteLock(this.db, () => this.insertStmt.run(clusterColumns(cluster)));
  }

  async get(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    return parse(this.getStmt.get(clusterId, scope.accountId, scope.region));
  }

  async update(scope: Scope, clusterId: string, change: (c: ClusterRecord) => ClusterRecord): Promise<ClusterRecord | undefined> {
    return this.updateTx(scope, clusterId, change);
  }

  async list(scope: Scope, limit: number, after = ''): Promise<Page<ClusterRecord>> {
    const rows = this.listStmt.all(scope.accountId, scope.region, after, rowsFor(limit));
    return pageOf(rows, limit, (r) => JSON.parse(r.doc) as ClusterRecord, (c) => c.clusterId);
  }

  async remove(scope: Scope, clusterId: string): Promise<void> {
    withWriteLock(this.db, () => this.removeStmt.run(clusterId, scope.accountId, scope.region));
  }

  async dueForTransition(now: number): Promise<ClusterRecord[]> {
    return this.dueStmt.all(now).map((r) => JSON.parse(r.doc) as ClusterRecord);
  }

  async all(): Promise<ClusterRecord[]> {
    return this.allStmt.all().map((r) => JSON.parse(r.doc) as ClusterRecord);
  }
}

const clusterColumns = (c: ClusterRecord) => ({
  clusterId: c.clusterId,
  accountId: c.accountId,
  region: c.region,
  transitionAt: nextClusterTransition(c) ?? null,
  doc: JSON.stringify(c),
});

class SqliteBackups implements BackupRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly writeStmt;
  private readonly listStmt;
  private readonly dueStmt;
  private readonly updateTx;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO cluster_backups (backup_id, account_id, region, created_at, transition_at, doc)
       VALUES (@backupId, @accountId, @region, @createdAt, @transitionAt, @doc)`,
    );
    this.getStmt = db.prepare<[string, string, string], DocRow>('SELECT doc FROM cluster_backups WHERE backup_id = ? AND account_id = ? AND region = ?');
    this.writeStmt = db.prepare('UPDATE cluster_backups SET transition_at = @transitionAt, doc = @doc WHERE backup_id = @backupId');
    this.listStmt = db.prepare<[string, string], DocRow>(
      'SELECT doc FROM cluster_backups WHERE account_id = ? AND region = ? ORDER BY created_at, backup_id',
    );
    this.dueStmt = db.prepare<[number], DocRow>(
      'SELECT doc FROM cluster_backups WHERE transition_at IS NOT NULL AND transition_at <= ? ORDER BY transition_at',
    );
    this.updateTx = writeTransaction(db, (scope: Scope, backupId: string, change: (b: BackupRecord) => BackupRecord) => {
      const current = parse<BackupRecord>(this.getStmt.get(backupId, scope.accountId, scope.region));
      if (!current) return undefined;
      const next = change(current);
      this.writeStmt.run(backupColumns(next));
      return next;
    });
  }

  async insert(backup: BackupRecord): Promise<void> {
    withWriteLock(this.db, () => this.insertStmt.run(backupColumns(backup)));
  }

  async get(scope: Scope, backupId: string): Promise<BackupRecord | undefined> {
    return parse(this.getStmt.get(backupId, scope.accountId, scope.region));
  }

  async update(scope: Scope, backupId: string, change: (b: BackupRecord) => BackupRecord): Promise<BackupRecord | undefined> {
    return this.updateTx(scope, backupId, change);
  }

  async list(scope: Scope): Promise<BackupRecord[]> {
    return this.listStmt.all(scope.accountId, scope.region).map((r) => JSON.parse(r.doc) as BackupRecord);
  }

  async dueForTransition(now: number): Promise<BackupRecord[]> {
    return this.dueStmt.all(now).map((r) => JSON.parse(r.doc) as BackupRecord);
  }
}

const backupColumns = (b: BackupRecord) => ({
  backupId: b.backupId,
  accountId: b.accountId,
  region: b.region,
  createdAt: b.createdAt,
  transitionAt: b.transitionAt ?? null,
  doc: JSON.stringify(b),
});
