import { BackupService } from './backups.js';
import { CertificateRejected } from './certificate-rejected.js';
import { cloneContent, type ClusterDeps } from './context.js';
import { CloudHsmInvalidRequestException, CloudHsmResourceNotFoundException } from './errors.js';
import { newClusterId, newEniId, newHsmId, newPassword, newSecurityGroupId } from './ids.js';
import type { BackupRecord, ClusterCertificates, ClusterMode, ClusterRecord, ClusterState, Hsm, Scope, Tag } from './model.js';
import { allClusters, NetworkService } from './network.js';
import { page, type Paged } from './paging.js';
import { checkTags } from './tags.js';
import { nextClusterTransition, settleCluster } from './transitions.js';

export const HSM_TYPES = ['hsm1.medium', 'hsm2m.medium'] as const;
export const DEFAULT_RETENTION_DAYS = 90;
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 379;
export const INITIALIZING_MESSAGE = 'Cluster is initializing. State will change to INITIALIZED upon completion.';

/** In which cluster states each call may act (CloudHSM refuses the others as invalid requests). */
const ALLOWED: Record<'createHsm' | 'deleteHsm' | 'initialize' | 'delete' | 'modify' | 'activate' | 'backup', readonly ClusterState[]> = {
  createHsm: ['UNINITIALIZED', 'ACTIVE'],
  deleteHsm: ['UNINITIALIZED', 'INITIALIZE_IN_PROGRESS', 'INITIALIZED', 'ACTIVE', 'DEGRADED'],
  initialize: ['UNINITIALIZED'],
  delete: ['UNINITIALIZED', 'INITIALIZED', 'ACTIVE', 'DEGRADED'],
  modify: ['UNINITIALIZED', 'INITIALIZED', 'ACTIVE', 'DEGRADED'],
  activate: ['INITIALIZED'],
  backup: ['ACTIVE'],
};

export interface RetentionPolicyInput {
  type?: string;
  value?: string;
}

export interface CreateClusterInput {
  hsmType: string;
  subnetIds: readonly string[];
  sourceBackupId?: string;
  backupRetentionPolicy?: RetentionPolicyInput;
  networkType?: 'IPV4' | 'DUALSTACK';
  tags?: Tag[];
  mode?: ClusterMode;
}

export interface DescribeClustersInput {
  filters?: Readonly<Record<string, readonly string[]>>;
  maxResults?: number;
  nextToken?: string;
}

const FILTER_KEYS = ['clusterIds', 'states', 'vpcIds'];

/** The X.509 code, loaded when a cluster first needs a CSR or checks a certificate (core/x509.ts says why). */
const certificates = () => import('./certificates.js');

/** One HSM named by DeleteHsm: by its id, its network interface id, or that interface's address. */
export interface HsmSelector {
  hsmId?: string;
  eniId?: string;
  eniIp?: string;
}

/**
 * CloudHSM clusters: creation (new, or restored from a backup), HSMs in the cluster's subnets,
 * initialisation with the owner's certificate, activation, modification and deletion. States
 * CloudHSM reaches asynchronously are completed by `settle`, run before every call that reads a
 * cluster and by the maintenance schedule.
 */
export class ClusterService {
  constructor(
    private readonly deps: ClusterDeps,
    private readonly network: NetworkService,
    private readonly backups: BackupService,
  ) {}

  private get repo() {
    return this.deps.store.clusters;
  }

  async create(scope: Scope, input: CreateClusterInput): Promise<ClusterRecord> {
    if (!(HSM_TYPES as readonly string[]).includes(input.hsmType)) throw new CloudHsmInvalidRequestException('Provided HsmType is not supported.');
    const tags = checkTags(input.tags ?? []);
    const retention = retentionDays(input.backupRetentionPolicy) ?? DEFAULT_RETENTION_DAYS;
    const { vpcId, mapping } = await this.subnetMapping(scope, input.subnetIds);
    const source = input.sourceBackupId === undefined ? undefined : await this.backups.resolve(scope, input.sourceBackupId);
    if (source && source.state !== 'READY') {
      throw new CloudHsmInvalidRequestException(
        `Backup ${source.backupId} is in state ${source.state}; a cluster can only be created from a backup in state READY.`,
      );
    }
    const mode = input.mode ?? source?.mode ?? 'FIPS';
    if (input.hsmType === 'hsm1.medium' && mode !== 'FIPS') throw new CloudHsmInvalidRequestException('HsmType hsm1.medium supports only FIPS mode.');
    if (source && source.mode !== mode) {
      throw new CloudHsmInvalidRequestException(
        `Backup ${source.backupId} was taken in ${source.mode} mode and can only be restored to a cluster in ${source.mode} mode.`,
      );
    }
    const now = this.deps.clock.now();
    const clusterId = newClusterId(this.deps.random);
    const cluster: ClusterRecord = {
      accountId: scope.accountId,
      region: scope.region,
      clusterId,
      createdAt: now,
      state: 'CREATE_IN_PROGRESS',
      transitionAt: now + this.deps.timings.clusterMs,
      hsmType: input.hsmType,
      mode,
      networkType: input.networkType ?? 'IPV4',
      vpcId,
      securityGroup: newSecurityGroupId(this.deps.random),
      subnetMapping: mapping,
      hsms: [],
      sourceBackupId: source?.backupId,
      backupRetentionDays: retention,
      certificates: source?.clusterCertificate ? { clusterCertificate: source.clusterCertificate } : {},
      trustAnchor: source?.trustAnchor,
      // A restored cluster shares the backup's history; a new one starts its own.
      lineageId: source?.lineageId ?? clusterId,
      tags,
    };
    // A restored cluster holds the backup's users and keys. A new one's content (the precrypto
    // officer with the PreCoPassword) is written by the HSM side when it is first used.
    if (source) await this.deps.store.contents.put(clusterId, cloneContent(source.content));
    await this.repo.insert(cluster);
    return cluster;
  }

  /** The cluster as it is now (every due transition completed); CloudHsmResourceNotFoundException if none. */
  async get(scope: Scope, clusterId: string): Promise<ClusterRecord> {
    const cluster = await this.settle(scope, clusterId);
    if (!cluster) throw notFound(clusterId);
    return cluster;
  }

  /** Like `get`, but undefined for a cluster that does not exist (what KMS needs to report CLUSTER_NOT_FOUND). */
  async find(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    return this.settle(scope, clusterId);
  }

  async describe(scope: Scope, input: DescribeClustersInput): Promise<Paged<ClusterRecord>> {
    await this.settleDue();
    const filters = input.filters ?? {};
    for (const key of Object.keys(filters)) {
      if (!FILTER_KEYS.includes(key)) {
        throw new CloudHsmInvalidRequestException(`Invalid filter key: ${key}. Valid filter keys are ${FILTER_KEYS.join(', ')}.`);
      }
    }
    const { clusterIds, states, vpcIds } = filters;
    const clusters = (await allClusters(this.repo, scope))
      .filter((c) => (!clusterIds || clusterIds.includes(c.clusterId)) && (!states || states.includes(c.state)) && (!vpcIds || vpcIds.includes(c.vpcId)))
      .sort((a, b) => a.createdAt - b.createdAt || (a.clusterId < b.clusterId ? -1 : 1));
    return page(clusters, sortKey, input.maxResults ?? 25, input.nextToken);
  }

  /** DeleteCluster: only without HSMs; DELETE_IN_PROGRESS, then the cluster and what it holds are gone. */
  async delete(scope: Scope, clusterId: string): Promise<ClusterRecord> {
    await this.get(scope, clusterId);
    const now = this.deps.clock.now();
    return this.change(scope, clusterId, (c) => {
      allowed(c, 'delete', 'deleted');
      if (c.hsms.length > 0) {
        throw new CloudHsmInvalidRequestException(
          `Cluster ${clusterId} still has HSMs (${c.hsms.map((h) => h.hsmId).join(', ')}). Delete every HSM before you delete the cluster.`,
        );
      }
      return { ...c, state: 'DELETE_IN_PROGRESS', stateMessage: undefined, transitionAt: now + this.deps.timings.clusterMs };
    });
  }

  /** ModifyCluster: the backup retention period, and the HSM type (hsm1.medium → hsm2m.medium). */
  async modify(scope: Scope, clusterId: string, input: { hsmType?: string; backupRetentionPolicy?: RetentionPolicyInput }): Promise<ClusterRecord> {
    await this.get(scope, clusterId);
    const retention = retentionDays(input.backupRetentionPolicy);
    if (input.hsmType !== undefined && !(HSM_TYPES as readonly string[]).includes(input.hsmType)) {
      throw new CloudHsmInvalidRequestException('Provided HsmType is not supported.');
    }
    const now = this.deps.clock.now();
    return this.change(scope, clusterId, (c) => {
      allowed(c, 'modify', 'modified');
      let next: ClusterRecord = retention === undefined ? c : { ...c, backupRetentionDays: retention };
      if (input.hsmType !== undefined && input.hsmType !== c.hsmType) {
        if (c.state !== 'ACTIVE' || c.hsmType !== 'hsm1.medium' || input.hsmType !== 'hsm2m.medium') {
          throw new CloudHsmInvalidRequestException(
            `Cluster ${clusterId} cannot change from ${c.hsmType} to ${input.hsmType}; only an ACTIVE hsm1.medium cluster can migrate to hsm2m.medium.`,
          );
        }
        next = { ...next, hsmType: input.hsmType, state: 'MODIFY_IN_PROGRESS', transitionAt: now + this.deps.timings.clusterMs };
      }
      return next;
    });
  }

  /**
   * CreateHsm: a new HSM in the cluster's subnet for the Availability Zone, on a free address of
   * that subnet. Adding an HSM to an active cluster that has one first backs the cluster up (the
   * new HSM is restored from that backup).
   */
  async createHsm(scope: Scope, clusterId: string, input: { availabilityZone: string; ipAddress?: string }): Promise<{ hsm: Hsm; cluster: ClusterRecord }> {
    const cluster = await this.get(scope, clusterId);
    allowed(cluster, 'createHsm', 'given an HSM');
    const subnetId = cluster.subnetMapping[input.availabilityZone];
    if (subnetId === undefined) {
      throw new CloudHsmInvalidRequestException(
        `Availability Zone ${input.availabilityZone} is not in cluster ${clusterId}'s subnet mapping (${Object.keys(cluster.subnetMapping).sort().join(', ')}).`,
      );
    }
    const eniIp = await this.network.takeAddress(scope, subnetId, input.ipAddress);
    const now = this.deps.clock.now();
    const hsm: Hsm = {
      hsmId: newHsmId(this.deps.random),
      availabilityZone: input.availabilityZone,
      subnetId,
      eniId: newEniId(this.deps.random),
      eniIp,
      state: 'CREATE_IN_PROGRESS',
      transitionAt: now + this.deps.timings.hsmMs,
    };
    let backupNeeded = false;
    let updated: ClusterRecord;
    try {
      updated = await this.change(scope, clusterId, (c) => {
        allowed(c, 'createHsm', 'given an HSM');
        backupNeeded = c.state === 'ACTIVE' && c.hsms.some((h) => h.state === 'ACTIVE');
        return { ...c, hsms: [...c.hsms, hsm] };
      });
    } catch (err) {
      await this.network.releaseAddress(scope, subnetId);
      throw err;
    }
    if (backupNeeded) await this.backups.take(cluster);
    return { hsm, cluster: updated };
  }

  /** DeleteHsm: DELETE_IN_PROGRESS, then gone and its address free; from an active cluster, a backup first. */
  async deleteHsm(scope: Scope, clusterId: string, which: HsmSelector): Promise<string> {
    if (which.hsmId === undefined && which.eniId === undefined && which.eniIp === undefined) {
      throw new CloudHsmInvalidRequestException('Specify the HSM to delete by HsmId, EniId or EniIp.');
    }
    const cluster = await this.get(scope, clusterId);
    const target = cluster.hsms.find(
      (h) =>
        (which.hsmId === undefined || h.hsmId === which.hsmId) &&
        (which.eniId === undefined || h.eniId === which.eniId) &&
        (which.eniIp === undefined || h.eniIp === which.eniIp),
    );
    const named = which.hsmId ?? which.eniId ?? which.eniIp;
    if (!target) throw new CloudHsmResourceNotFoundException(`HSM ${named} not found in cluster ${clusterId}.`);
    const now = this.deps.clock.now();
    let backupNeeded = false;
    await this.change(scope, clusterId, (c) => {
      allowed(c, 'deleteHsm', 'have its HSMs deleted');
      const hsm = c.hsms.find((h) => h.hsmId === target.hsmId);
      if (!hsm) throw new CloudHsmResourceNotFoundException(`HSM ${named} not found in cluster ${clusterId}.`);
      if (hsm.state === 'DELETE_IN_PROGRESS') throw new CloudHsmInvalidRequestException(`HSM ${hsm.hsmId} is already being deleted.`);
      backupNeeded = c.state === 'ACTIVE' && c.hsms.some((h) => h.state === 'ACTIVE');
      const deleting: Hsm = { ...hsm, state: 'DELETE_IN_PROGRESS', transitionAt: now + this.deps.timings.hsmMs };
      return { ...c, hsms: c.hsms.map((h) => (h.hsmId === hsm.hsmId ? deleting : h)) };
    });
    if (backupNeeded) await this.backups.take(cluster);
    return target.hsmId;
  }

  /**
   * InitializeCluster: the owner's CA (the trust anchor) must have signed this cluster's CSR.
   * The cluster keeps both certificates, forgets the CSR and its key, and gets the password of its
   * precrypto officer, shown as PreCoPassword until `cluster activate` (the HSM side creates that
   * user with it when the initialised cluster's content is first used).
   */
  async initialize(scope: Scope, clusterId: string, input: { signedCert: string; trustAnchor: string }): Promise<ClusterRecord> {
    const cluster = await this.get(scope, clusterId);
    allowed(cluster, 'initialize', 'initialized');
    const csr = cluster.certificates.clusterCsr;
    if (!csr || !cluster.hsms.some((h) => h.state === 'ACTIVE')) {
      throw new CloudHsmInvalidRequestException(
        `Cluster ${clusterId} has no active HSM yet, so it has no CSR to sign. Create an HSM, wait until it is ACTIVE, then sign Certificates.ClusterCsr.`,
      );
    }
    try {
      const { verifyClusterCertificate } = await certificates();
      await verifyClusterCertificate({ signedCertPem: input.signedCert, trustAnchorPem: input.trustAnchor, csrPem: csr, now: this.deps.clock.now() });
    } catch (err) {
      if (err instanceof CertificateRejected) throw new CloudHsmInvalidRequestException(err.message);
      throw err;
    }
    const preCoPassword = newPassword(this.deps.random);
    const now = this.deps.clock.now();
    return this.change(scope, clusterId, (c) => {
      allowed(c, 'initialize', 'initialized');
      if (c.certificates.clusterCsr !== csr) throw new CloudHsmInvalidRequestException(`The CSR of cluster ${clusterId} changed; sign the current one.`);
      return {
        ...c,
        state: 'INITIALIZE_IN_PROGRESS',
        stateMessage: INITIALIZING_MESSAGE,
        transitionAt: now + this.deps.timings.clusterMs,
        certificates: { clusterCertificate: input.signedCert },
        trustAnchor: input.trustAnchor,
        csrKey: undefined,
        preCoPassword,
      };
    });
  }

  /**
   * What `cluster activate` (CloudHSM CLI) does to the cluster: INITIALIZED → ACTIVE, then the
   * first backup. Change the content (the admin's password and role) before calling this, so the
   * backup holds the activated admin.
   */
  async activate(scope: Scope, clusterId: string): Promise<ClusterRecord> {
    await this.get(scope, clusterId);
    const active = await this.change(scope, clusterId, (c) => {
      allowed(c, 'activate', 'activated');
      return { ...c, state: 'ACTIVE', stateMessage: undefined, preCoPassword: undefined };
    });
    if (active.hsms.some((h) => h.state === 'ACTIVE')) await this.backups.take(active);
    return active;
  }

  /** An on-demand backup (`keywarden cluster backup`), which real CloudHSM does not offer. */
  async backupNow(scope: Scope, clusterId: string): Promise<BackupRecord> {
    const cluster = await this.get(scope, clusterId);
    allowed(cluster, 'backup', 'backed up');
    return this.backups.take(cluster);
  }

  async setTags(scope: Scope, clusterId: string, change: (tags: Tag[]) => Tag[]): Promise<ClusterRecord> {
    await this.get(scope, clusterId);
    return this.change(scope, clusterId, (c) => ({ ...c, tags: change(c.tags) }));
  }

  /** Completes every cluster and HSM transition that is due, in every scope. */
  async settleDue(): Promise<number> {
    const due = await this.repo.dueForTransition(this.deps.clock.now());
    for (const c of due) await this.settle(c, c.clusterId);
    return due.length;
  }

  /**
   * Completes the transitions of one cluster that are due now and carries out what they entail:
   * the first active HSM of an uninitialised cluster issues the CSR; a deleted HSM gives its
   * address back; a deleted cluster goes, with its content and open sessions.
   */
  async settle(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    const before = await this.repo.get(scope, clusterId);
    if (!before) return undefined;
    if (before.state === 'DELETED') return void (await this.remove(before));
    const now = this.deps.clock.now();
    const due = nextClusterTransition(before);
    const preview = due !== undefined && due <= now ? settleCluster(before, now).cluster : before;
    const csr = needsCsr(preview) ? await this.issueCsr(preview, now) : undefined;
    if (preview === before && !csr) return before;
    let released: Hsm[] = [];
    const after = await this.repo.update(scope, clusterId, (c) => {
      const settled = settleCluster(c, now);
      released = settled.events.flatMap((e) => (e.kind === 'hsm-deleted' ? [e.hsm] : []));
      return csr && needsCsr(settled.cluster) ? { ...settled.cluster, ...csr } : settled.cluster;
    });
    for (const hsm of released) await this.network.releaseAddress(scope, hsm.subnetId);
    if (after?.state === 'DELETED') return void (await this.remove(after));
    return after;
  }

  private async remove(cluster: ClusterRecord): Promise<void> {
    await this.deps.store.sessions.closeAll(cluster.clusterId);
    await this.deps.store.contents.remove(cluster.clusterId);
    await this.repo.remove(cluster, cluster.clusterId);
  }

  /** The first HSM's CSR, its certificates, and the CSR key sealed to this cluster. */
  private async issueCsr(cluster: ClusterRecord, now: number): Promise<{ certificates: ClusterCertificates; csrKey: string }> {
    const hsm = cluster.hsms.find((h) => h.state === 'ACTIVE')!;
    const { generateClusterCsr, hsmCertificates } = await certificates();
    const { csrPem, privateKeyPkcs8 } = await generateClusterCsr(cluster.clusterId, this.deps.csrKeyPairs);
    const hardware = await hsmCertificates(cluster.clusterId, hsm.hsmId, { clusterCsrPem: csrPem, now });
    const csrKey = this.deps.sealer.seal(privateKeyPkcs8, `cluster-csr:${cluster.clusterId}`).toString('base64');
    privateKeyPkcs8.fill(0);
    return { certificates: { clusterCsr: csrPem, ...hardware }, csrKey };
  }

  /** SubnetIds → AZ → subnet: each subnet must exist, all in one VPC, at most one per AZ. */
  private async subnetMapping(scope: Scope, subnetIds: readonly string[]): Promise<{ vpcId: string; mapping: Record<string, string> }> {
    if (new Set(subnetIds).size !== subnetIds.length) throw new CloudHsmInvalidRequestException('SubnetIds contains the same subnet more than once.');
    const subnets = [];
    for (const id of subnetIds) {
      const subnet = await this.network.get(scope, id);
      if (!subnet) throw new CloudHsmResourceNotFoundException(`Subnet ${id} not found.`);
      subnets.push(subnet);
    }
    const vpcs = new Set(subnets.map((s) => s.vpcId));
    if (vpcs.size > 1) throw new CloudHsmInvalidRequestException(`All subnets must be in the same VPC; these are in ${[...vpcs].join(', ')}.`);
    const mapping: Record<string, string> = {};
    for (const s of subnets) {
      const other = mapping[s.availabilityZone];
      if (other !== undefined) {
        throw new CloudHsmInvalidRequestException(
          `Subnets ${other} and ${s.subnetId} are both in Availability Zone ${s.availabilityZone}; specify only one subnet per Availability Zone.`,
        );
      }
      mapping[s.availabilityZone] = s.subnetId;
    }
    return { vpcId: subnets[0]!.vpcId, mapping };
  }

  private async change(scope: Scope, clusterId: string, fn: (c: ClusterRecord) => ClusterRecord): Promise<ClusterRecord> {
    const updated = await this.repo.update(scope, clusterId, fn);
    if (!updated) throw notFound(clusterId);
    return updated;
  }
}

/** An uninitialised cluster with an active HSM shows the CSR that HSM issued. */
const needsCsr = (c: ClusterRecord) => c.state === 'UNINITIALIZED' && !c.certificates.clusterCsr && c.hsms.some((h) => h.state === 'ACTIVE');

function allowed(c: ClusterRecord, action: keyof typeof ALLOWED, verb: string): void {
  if (!ALLOWED[action].includes(c.state)) {
    throw new CloudHsmInvalidRequestException(
      `Cluster ${c.clusterId} is in state ${c.state} and cannot be ${verb}; that needs state ${ALLOWED[action].join(' or ')}.`,
    );
  }
}

/** BackupRetentionPolicy: Type DAYS, Value a whole number of days from 7 to 379. */
function retentionDays(policy: RetentionPolicyInput | undefined): number | undefined {
  if (policy === undefined) return undefined;
  if (policy.type !== undefined && policy.type !== 'DAYS') throw new CloudHsmInvalidRequestException('BackupRetentionPolicy Type must be DAYS.');
  const days = policy.value !== undefined && /^\d+$/.test(policy.value) ? Number(policy.value) : NaN;
  if (!(days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS)) {
    throw new CloudHsmInvalidRequestException(
      `BackupRetentionPolicy Value must be a number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}, not ${policy.value ?? 'missing'}.`,
    );
  }
  return days;
}

const sortKey = (c: ClusterRecord) => `${String(c.createdAt).padStart(15, '0')}:${c.clusterId}`;
const notFound = (clusterId: string) => new CloudHsmResourceNotFoundException(`Cluster ${clusterId} not found.`);
