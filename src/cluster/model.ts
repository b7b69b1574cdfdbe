// The HSM cluster as the domain keeps it: clusters of HSMs in subnets, the users and key objects
// every HSM of a cluster holds, login sessions, and backups. Names follow CloudHSM's own terms.

export interface Scope {
  accountId: string;
  region: string;
}

export type ClusterState =
  | 'CREATE_IN_PROGRESS'
  | 'UNINITIALIZED'
  | 'INITIALIZE_IN_PROGRESS'
  | 'INITIALIZED'
  | 'ACTIVE'
  | 'UPDATE_IN_PROGRESS'
  | 'MODIFY_IN_PROGRESS'
  | 'ROLLBACK_IN_PROGRESS'
  | 'DELETE_IN_PROGRESS'
  | 'DELETED'
  | 'DEGRADED';

export type HsmState = 'CREATE_IN_PROGRESS' | 'ACTIVE' | 'DEGRADED' | 'DELETE_IN_PROGRESS' | 'DELETED';
export type BackupState = 'CREATE_IN_PROGRESS' | 'READY' | 'DELETED' | 'PENDING_DELETION';
export type ClusterMode = 'FIPS' | 'NON_FIPS';

export interface Tag {
  key: string;
  value: string;
}

/** A subnet of the account's VPC in one Availability Zone; an HSM takes one of its free addresses. */
export interface Subnet extends Scope {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  /** Addresses still free; CreateHsm takes one, DeleteHsm gives it back. */
  freeAddresses: number;
}

export interface Hsm {
  hsmId: string;
  availabilityZone: string;
  subnetId: string;
  eniId: string;
  eniIp: string;
  state: HsmState;
  stateMessage?: string;
  /** When a state that AWS reaches asynchronously (CREATE_IN_PROGRESS → ACTIVE) ends. */
  transitionAt?: number;
}

export interface ClusterCertificates {
  clusterCsr?: string;
  hsmCertificate?: string;
  awsHardwareCertificate?: string;
  manufacturerHardwareCertificate?: string;
  clusterCertificate?: string;
}

export interface ClusterRecord extends Scope {
  clusterId: string;
  createdAt: number;
  state: ClusterState;
  stateMessage?: string;
  /** When the current asynchronous state ends (CREATE_IN_PROGRESS, INITIALIZE_IN_PROGRESS, DELETE_IN_PROGRESS). */
  transitionAt?: number;
  hsmType: string;
  mode: ClusterMode;
  networkType: 'IPV4' | 'DUALSTACK';
  vpcId: string;
  securityGroup: string;
  /** Availability Zone → subnet id. */
  subnetMapping: Record<string, string>;
  hsms: Hsm[];
  sourceBackupId?: string;
  backupRetentionDays: number;
  certificates: ClusterCertificates;
  /** The cluster's CSR key pair (PKCS#8, wrapped under the root key) until the cluster is initialised. */
  csrKey?: string;
  /** The customer's CA certificate that signed the cluster certificate (customerCA.crt). */
  trustAnchor?: string;
  /**
   * The identity a cluster shares with every cluster restored from its backups: two clusters are
   * related (share a backup history) exactly when their lineage ids are equal.
   */
  lineageId: string;
  /** The password of the precrypto officer until `cluster activate`. */
  preCoPassword?: string;
  tags: Tag[];
}

export type HsmRole = 'admin' | 'crypto-user' | 'unactivated-admin' | 'appliance';

export interface HsmUser {
  /** The user id that cloudhsm_mgmt_util and key_mgmt_util show (1 is the first admin, 2 app_user). */
  userId: number;
  /** Lower case: usernames are case-insensitive. */
  username: string;
  role: HsmRole;
  /** scrypt$<salt b64>$<hash b64> */
  passwordHash: string;
  /** Consecutive failed logins since the last successful one or password change. */
  failedLogins: number;
  /** Set by the fifth consecutive failure; only a new password (set by an admin) clears it. */
  locked: boolean;
}

/** A key object on the HSMs of a cluster. */
export interface KeyObject {
  /** The key handle of the older tools; CloudHSM CLI shows it as key-reference 0x…. */
  handle: number;
  /** The `id` attribute, hex without 0x: the backing key id that KMS reports. */
  id: string;
  label: string;
  owner: string;
  sharedUsers: string[];
  keyClass: 'secret-key';
  keyType: 'aes';
  sizeBytes: number;
  /** Key check value (first 3 bytes of AES-ECB of a zero block), hex. */
  checkValue: string;
  extractable: boolean;
  /** Where the material is, for the engine that made it (wrapped bytes, or a token object id). */
  material: string;
  engine: string;
}

/** What every HSM of a cluster holds, and what a backup captures. */
export interface ClusterContent {
  users: HsmUser[];
  keys: KeyObject[];
  nextHandle: number;
}

/** A login held by the cluster until logout: by a person through a CLI, or by the KMS service. */
export interface HsmSession {
  sessionId: string;
  clusterId: string;
  username: string;
  role: HsmRole;
  client: 'kms' | 'cli';
  openedAt: number;
}

export interface BackupRecord extends Scope {
  backupId: string;
  clusterId: string;
  state: BackupState;
  createdAt: number;
  transitionAt?: number;
  neverExpires: boolean;
  deleteTimestamp?: number;
  copyTimestamp?: number;
  sourceRegion?: string;
  sourceBackup?: string;
  sourceCluster?: string;
  hsmType: string;
  mode: ClusterMode;
  tags: Tag[];
  lineageId: string;
  clusterCertificate?: string;
  trustAnchor?: string;
  /** Users and key objects at the moment the backup was taken. */
  content: ClusterContent;
  resourcePolicy?: string;
}
