import type { BackupRecord, ClusterContent, ClusterRecord, HsmSession, Scope, Subnet } from './model.js';

// Ports the cluster domain needs from storage. Each is implemented in storage/sqlite and
// storage/postgres, both running its contract suite. `update` methods read, change and write one record atomically: `change` runs
// synchronously inside the transaction and, if it throws, nothing is written.

export interface Page<T> {
  items: T[];
  next?: string;
}

/** A scope's VPC and the subnets it starts with. */
export interface NetworkSetup {
  vpcId: string;
  subnets: Subnet[];
}

export interface SubnetRepository {
  /**
   * The scope's VPC id. The first call for a scope stores what `create` returns (the VPC and its
   * default subnets) atomically; later calls return the stored id, even if every subnet is gone.
   */
  initNetwork(scope: Scope, create: () => NetworkSetup): Promise<string>;
  insert(subnet: Subnet): Promise<void>;
  get(scope: Scope, subnetId: string): Promise<Subnet | undefined>;
  list(scope: Scope): Promise<Subnet[]>;
  update(scope: Scope, subnetId: string, change: (s: Subnet) => Subnet): Promise<Subnet | undefined>;
  remove(scope: Scope, subnetId: string): Promise<boolean>;
}

export interface ClusterRepository {
  insert(cluster: ClusterRecord): Promise<void>;
  get(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined>;
  update(scope: Scope, clusterId: string, change: (c: ClusterRecord) => ClusterRecord): Promise<ClusterRecord | undefined>;
  list(scope: Scope, limit: number, after?: string): Promise<Page<ClusterRecord>>;
  remove(scope: Scope, clusterId: string): Promise<void>;
  /** Clusters of every scope with a cluster or HSM transition due at or before `now`. */
  dueForTransition(now: number): Promise<ClusterRecord[]>;
  /** Every cluster of every scope (for the daily backups). */
  all(): Promise<ClusterRecord[]>;
}

/** The users and key objects a cluster holds (what every one of its HSMs holds). */
export interface ContentRepository {
  get(clusterId: string): Promise<ClusterContent | undefined>;
  put(clusterId: string, content: ClusterContent): Promise<void>;
  update(clusterId: string, change: (c: ClusterContent) => ClusterContent): Promise<ClusterContent | undefined>;
  remove(clusterId: string): Promise<void>;
}

/** Logins held open in a cluster; they are not part of its content and never go into a backup. */
export interface SessionRepository {
  open(session: HsmSession): Promise<void>;
  get(sessionId: string): Promise<HsmSession | undefined>;
  list(clusterId: string): Promise<HsmSession[]>;
  close(sessionId: string): Promise<boolean>;
  closeAll(clusterId: string): Promise<number>;
}

export interface BackupRepository {
  insert(backup: BackupRecord): Promise<void>;
  get(scope: Scope, backupId: string): Promise<BackupRecord | undefined>;
  update(scope: Scope, backupId: string, change: (b: BackupRecord) => BackupRecord): Promise<BackupRecord | undefined>;
  /** Backups of one scope, oldest first. */
  list(scope: Scope): Promise<BackupRecord[]>;
  /** Backups of every scope with a transition (CREATE_IN_PROGRESS → READY, PENDING_DELETION → DELETED) due. */
  dueForTransition(now: number): Promise<BackupRecord[]>;
}

export interface ClusterStore {
  subnets: SubnetRepository;
  clusters: ClusterRepository;
  contents: ContentRepository;
  sessions: SessionRepository;
  backups: BackupRepository;
}
