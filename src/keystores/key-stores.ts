import { ValidationException } from '../core/common-errors.js';
import { customKeyStoreNotFound } from '../kms/custom-key-store-port.js';
import {
  CloudHsmClusterInUseException,
  CloudHsmClusterNotFoundException,
  CloudHsmClusterNotRelatedException,
  CustomKeyStoreHasCMKsException,
  CustomKeyStoreNameInUseException,
  CustomKeyStoreNotFoundException,
  LimitExceededException,
  UnsupportedOperationException,
} from '../kms/errors.js';
import type { Page } from '../kms/repository.js';
import type { ClusterRecord } from '../cluster/model.js';
import { requireActive, requireKeyStoreConfiguration, requireSubnetZones, requireTrustAnchor } from './cluster-requirements.js';
import { invalidState, nextConnectionState, requireState } from './connection-states.js';
import type { ConnectWorker } from './connect-worker.js';
import { type KeyStoreDeps, MAX_STORES_PER_SCOPE, openPassword, sealPassword } from './context.js';
import type { CustomKeyStoreRecord, Scope } from './model.js';
import { DuplicateStoreName } from './repository.js';

export interface CreateStoreRequest {
  name: string;
  type?: string;
  clusterId?: string;
  trustAnchor?: string;
  password?: string;
}

export interface UpdateStoreRequest {
  newName?: string;
  password?: string;
  clusterId?: string;
}

export interface DescribeStoresRequest {
  customKeyStoreId?: string;
  name?: string;
  limit?: number;
  after?: string;
}

const DEFAULT_PAGE = 1000;

/**
 * The six custom key store operations with AWS's checks, in AWS's order. The work that needs the
 * cluster's HSMs (logging in as kmsuser, rotating its password) happens in the connect worker,
 * after ConnectCustomKeyStore has returned.
 */
export class CustomKeyStoreService {
  constructor(
    private readonly deps: KeyStoreDeps,
    private readonly worker: ConnectWorker,
  ) {}

  /**
   * A new store, DISCONNECTED. The call is idempotent: repeating it with the same values as a
   * DISCONNECTED store returns that store's id.
   */
  async create(caller: Scope, req: CreateStoreRequest): Promise<string> {
    if (req.type !== undefined && req.type !== 'AWS_CLOUDHSM') {
      throw new UnsupportedOperationException(`Keywarden supports custom key stores of type AWS_CLOUDHSM only, not ${req.type}.`);
    }
    const clusterId = required(req.clusterId, 'CloudHsmClusterId');
    const trustAnchor = required(req.trustAnchor, 'TrustAnchorCertificate');
    const password = required(req.password, 'KeyStorePassword');
    const { stores, clusters, sealer, clock, random } = this.deps;

    const existing = await stores.findByName(caller, req.name);
    if (existing) {
      const same =
        existing.connectionState === 'DISCONNECTED' &&
        existing.clusterId === clusterId &&
        existing.trustAnchor === trustAnchor &&
        openPassword(sealer, existing) === password;
      if (same) return existing.customKeyStoreId;
      throw nameInUse(req.name);
    }
    const cluster = await clusters.find(caller, clusterId);
    if (!cluster) throw clusterNotFound(clusterId);
    const sharing = (await this.allStores(caller)).find((s) => s.clusterId === clusterId || s.lineageId === cluster.lineageId);
    if (sharing) {
      throw new CloudHsmClusterInUseException(
        sharing.clusterId === clusterId
          ? `AWS CloudHSM cluster ${clusterId} is already associated with custom key store ${sharing.customKeyStoreId}. A cluster can back only one custom key store.`
          : `AWS CloudHSM cluster ${clusterId} shares a backup history with cluster ${sharing.clusterId}, which is associated with custom key store ${sharing.customKeyStoreId}.`,
      );
    }
    requireActive(cluster);
    requireTrustAnchor(cluster, trustAnchor);
    requireKeyStoreConfiguration(cluster);

    const customKeyStoreId = `cks-${random.bytes(9).toString('hex').slice(0, 17)}`;
    const record: CustomKeyStoreRecord = {
      accountId: caller.accountId,
      region: caller.region,
      customKeyStoreId,
      name: req.name,
      type: 'AWS_CLOUDHSM',
      clusterId,
      lineageId: cluster.lineageId,
      trustAnchor,
      sealedPassword: sealPassword(sealer, customKeyStoreId, password),
      connectionState: 'DISCONNECTED',
      createdAt: clock.now(),
      attempt: 0,
    };
    const inserted = await stores.insert(record, MAX_STORES_PER_SCOPE);
    if (inserted === 'name-taken') return this.create(caller, req);
    if (inserted === 'limit-exceeded') {
      throw new LimitExceededException(`This account already has ${MAX_STORES_PER_SCOPE} custom key stores in ${caller.region}, the most it can have.`);
    }
    return customKeyStoreId;
  }

  /** One store by id or by name, or a page of all of them. */
  async describe(caller: Scope, req: DescribeStoresRequest): Promise<Page<CustomKeyStoreRecord>> {
    const { stores } = this.deps;
    if (req.customKeyStoreId !== undefined && req.name !== undefined) {
      throw new ValidationException('Specify either CustomKeyStoreId or CustomKeyStoreName, not both.');
    }
    if (req.customKeyStoreId !== undefined) return { items: [await this.get(caller, req.customKeyStoreId)] };
    if (req.name !== undefined) {
      const store = await stores.findByName(caller, req.name);
      if (!store) throw new CustomKeyStoreNotFoundException(`Custom key store named ${req.name} does not exist in this account and Region.`);
      return { items: [store] };
    }
    return stores.list(caller, req.limit ?? DEFAULT_PAGE, req.after);
  }

  /**
   * Starts connecting and returns. Checks of the cluster's own state and configuration answer
   * here and leave the store DISCONNECTED; everything that needs the HSMs, the network or a login
   * ends the background attempt in FAILED with its ConnectionErrorCode (DESIGN.md).
   */
  async connect(caller: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord> {
    const store = await this.get(caller, customKeyStoreId);
    if (nextConnectionState(store.connectionState, 'connect') === undefined) throw invalidState(customKeyStoreId, store.connectionState, 'connect');
    if (store.connectionState !== 'DISCONNECTED') return store;
    const cluster = await this.deps.clusters.find(caller, store.clusterId);
    if (cluster) {
      requireActive(cluster);
      requireSubnetZones(cluster);
    }
    const connectAt = this.deps.clock.now() + this.deps.connectDelayMs;
    const updated = await this.change(caller, customKeyStoreId, (s) => {
      const next = nextConnectionState(s.connectionState, 'connect');
      if (next === undefined) throw invalidState(customKeyStoreId, s.connectionState, 'connect');
      if (next === s.connectionState) return s;
      const { connectionErrorCode: _code, ...rest } = s;
      return { ...rest, connectionState: next, attempt: s.attempt + 1, connectAt };
    });
    if (updated.connectionState === 'CONNECTING') this.worker.kick(connectAt);
    return updated;
  }

  /** Logs the service out of the cluster: DISCONNECTING, then DISCONNECTED. Every key of the store becomes Unavailable. */
  async disconnect(caller: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord> {
    await this.get(caller, customKeyStoreId);
    const disconnecting = await this.change(caller, customKeyStoreId, (s) => {
      const next = nextConnectionState(s.connectionState, 'disconnect');
      if (next === undefined) throw invalidState(customKeyStoreId, s.connectionState, 'disconnect');
      const { connectAt: _at, ...rest } = s;
      return { ...rest, connectionState: next, attempt: s.attempt + 1 };
    });
    await this.worker.finishDisconnect(disconnecting);
    return disconnecting;
  }

  /**
   * A new name at any time the store is DISCONNECTED or CONNECTED; a new kmsuser password (what
   * the service believes; nothing changes in the cluster) or a new cluster (one that shares the
   * original's backup history) only while DISCONNECTED.
   */
  async update(caller: Scope, customKeyStoreId: string, req: UpdateStoreRequest): Promise<CustomKeyStoreRecord> {
    const store = await this.get(caller, customKeyStoreId);
    const call = req.password !== undefined || req.clusterId !== undefined ? 'reconfigure' : 'rename';
    requireState(customKeyStoreId, store.connectionState, call);
    if (req.newName !== undefined && req.newName !== store.name && (await this.deps.stores.findByName(caller, req.newName))) {
      throw nameInUse(req.newName);
    }
    let cluster: ClusterRecord | undefined;
    if (req.clusterId !== undefined) {
      cluster = await this.deps.clusters.find(caller, req.clusterId);
      if (!cluster) throw clusterNotFound(req.clusterId);
      if (cluster.lineageId !== store.lineageId) {
        throw new CloudHsmClusterNotRelatedException(
          `AWS CloudHSM cluster ${req.clusterId} does not share a backup history with ${store.clusterId}, the original cluster of custom key store ${customKeyStoreId}. Create the new cluster from a backup of the original.`,
        );
      }
      requireActive(cluster);
      requireKeyStoreConfiguration(cluster);
    }
    const sealedPassword = req.password === undefined ? undefined : sealPassword(this.deps.sealer, customKeyStoreId, req.password);
    try {
      return await this.change(caller, customKeyStoreId, (s) => {
        requireState(customKeyStoreId, s.connectionState, call);
        // The owner's word on kmsuser's password replaces whatever a cut-short rotation left pending.
        const { sealedPendingPassword: _p, ...rest } = s;
        return {
          ...(sealedPassword === undefined ? s : rest),
          name: req.newName ?? s.name,
          clusterId: cluster?.clusterId ?? s.clusterId,
          sealedPassword: sealedPassword ?? s.sealedPassword,
        };
      });
    } catch (err) {
      if (err instanceof DuplicateStoreName) throw nameInUse(req.newName!);
      throw err;
    }
  }

  /** Only a DISCONNECTED store without KMS keys (PendingDeletion ones count until they are deleted). */
  async delete(caller: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord> {
    const store = await this.get(caller, customKeyStoreId);
    requireState(customKeyStoreId, store.connectionState, 'delete');
    const keys = await this.deps.keys.inCustomKeyStore(customKeyStoreId);
    if (keys.length > 0) {
      throw new CustomKeyStoreHasCMKsException(
        `Custom key store ${customKeyStoreId} contains ${keys.length} KMS key${keys.length === 1 ? '' : 's'}. Schedule the deletion of every KMS key in it and wait for the waiting periods to end before you delete the store.`,
      );
    }
    const removed = await this.deps.stores.remove(caller, customKeyStoreId, (s) => requireState(customKeyStoreId, s.connectionState, 'delete'));
    if (!removed) throw customKeyStoreNotFound(customKeyStoreId);
    return store;
  }

  async get(caller: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord> {
    const store = await this.deps.stores.get(caller, customKeyStoreId);
    if (!store) throw customKeyStoreNotFound(customKeyStoreId);
    return store;
  }

  private async change(caller: Scope, customKeyStoreId: string, fn: (s: CustomKeyStoreRecord) => CustomKeyStoreRecord): Promise<CustomKeyStoreRecord> {
    const updated = await this.deps.stores.update(caller, customKeyStoreId, fn);
    if (!updated) throw customKeyStoreNotFound(customKeyStoreId);
    return updated;
  }

  private async allStores(caller: Scope): Promise<CustomKeyStoreRecord[]> {
    const out: CustomKeyStoreRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.deps.stores.list(caller, 100, after);
      out.push(...page.items);
      after = page.next;
    } while (after !== undefined);
    return out;
  }
}

function required(value: string | undefined, member: string): string {
  if (value === undefined) {
    throw new ValidationException(`${member} is required for a custom key store of type AWS_CLOUDHSM.`);
  }
  return value;
}

const nameInUse = (name: string) =>
  new CustomKeyStoreNameInUseException(`A custom key store named ${name} already exists in this account and Region. Choose another name.`);

const clusterNotFound = (clusterId: string) =>
  new CloudHsmClusterNotFoundException(`AWS CloudHSM cluster ${clusterId} does not exist in this account and Region.`);
