import { createHsmServices, type HsmServices } from '../../src/cluster/hsm-services.js';
import type { ClusterRecord, ClusterState, Hsm, Scope } from '../../src/cluster/model.js';
import type { ClusterRepository, Page } from '../../src/cluster/repository.js';
import type { Clock } from '../../src/core/clock.js';
import { secureRandom } from '../../src/core/random.js';
import { Sealer } from '../../src/core/sealer.js';
import { SoftwareEngine } from '../../src/engines/software.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { hsmStoreOn, type HsmStore } from '../../src/storage/sqlite/hsm-store.js';

// A cluster to test the HSM domain against without the CloudHSM v2 API: cluster records in a
// map, contents and sessions in an in-memory SQLite database, the software engine.

export const SCOPE: Scope = { accountId: '111122223333', region: 'us-east-1' };
export const PRECO_PASSWORD = 'PrecoPassword1';
export const ADMIN_PASSWORD = 'AdminPassword1';
export const KMSUSER_PASSWORD = 'KmsuserPassword1';

export class MemoryClusters implements ClusterRepository {
  readonly records = new Map<string, ClusterRecord>();

  async insert(cluster: ClusterRecord): Promise<void> {
    this.records.set(cluster.clusterId, structuredClone(cluster));
  }
  find(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    return this.get(scope, clusterId);
  }
  async get(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined> {
    const c = this.records.get(clusterId);
    return c && c.accountId === scope.accountId && c.region === scope.region ? structuredClone(c) : undefined;
  }
  async update(scope: Scope, clusterId: string, change: (c: ClusterRecord) => ClusterRecord): Promise<ClusterRecord | undefined> {
    const c = await this.get(scope, clusterId);
    if (!c) return undefined;
    const next = change(c);
    this.records.set(clusterId, structuredClone(next));
    return next;
  }
  async list(scope: Scope, limit: number): Promise<Page<ClusterRecord>> {
    return { items: [...this.records.values()].filter((c) => c.accountId === scope.accountId).slice(0, limit) };
  }
  async remove(_scope: Scope, clusterId: string): Promise<void> {
    this.records.delete(clusterId);
  }
  async dueForTransition(): Promise<ClusterRecord[]> {
    return [];
  }
  async all(): Promise<ClusterRecord[]> {
    return [...this.records.values()];
  }
}

export function hsm(n: number, state: Hsm['state'] = 'ACTIVE'): Hsm {
  const zone = `us-east-1${'abc'[n % 3]}`;
  return { hsmId: `hsm-test${n}abcdefg`, availabilityZone: zone, subnetId: `subnet-${n}`, eniId: `eni-${n}`, eniIp: `10.0.${n}.9`, state };
}

export function clusterRecord(clusterId: string, state: ClusterState, hsmCount: number, extra: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    ...SCOPE,
    clusterId,
    createdAt: 0,
    state,
    hsmType: 'hsm2m.medium',
    mode: 'FIPS',
    networkType: 'IPV4',
    vpcId: 'vpc-1',
    securityGroup: 'sg-1',
    subnetMapping: {},
    hsms: Array.from({ length: hsmCount }, (_, i) => hsm(i)),
    backupRetentionDays: 90,
    certificates: {},
    lineageId: clusterId,
    preCoPassword: PRECO_PASSWORD,
    tags: [],
    ...extra,
  };
}

export interface HsmFixture extends HsmServices {
  clusters: MemoryClusters;
  store: HsmStore;
  clock: { now(): number; advance(ms: number): void };
  clusterId: string;
  /** Adds a cluster record (default: INITIALIZED, one ACTIVE HSM). */
  addCluster(clusterId: string, state?: ClusterState, hsmCount?: number, extra?: Partial<ClusterRecord>): Promise<void>;
  setHsms(clusterId: string, hsms: Hsm[]): Promise<void>;
  /** Activates the cluster with ADMIN_PASSWORD and creates kmsuser (KMSUSER_PASSWORD); logs admin out. */
  activateWithKmsuser(clusterId?: string): Promise<void>;
  login(username: string, password: string, role?: 'admin' | 'crypto-user', clusterId?: string): Promise<string>;
  close(): void;
}

export async function hsmFixture(opts: { sessionsPerHsm?: number; hsmCount?: number } = {}): Promise<HsmFixture> {
  const db = openDatabase(':memory:');
  const sealer = new Sealer(Buffer.alloc(32, 9), secureRandom);
  const store = hsmStoreOn(db, sealer);
  const clusters = new MemoryClusters();
  let now = 1_700_000_000_000;
  const clock: Clock & { advance(ms: number): void } = { now: () => now, advance: (ms) => void (now += ms) };
  const services = createHsmServices({
    clusters,
    contents: store.contents,
    sessions: store.sessions,
    engine: new SoftwareEngine(sealer, secureRandom),
    clock,
    random: secureRandom,
    activate: async (scope, clusterId) => {
      const done = await clusters.update(scope, clusterId, (c) => {
        if (c.state !== 'INITIALIZED') throw new Error(`cannot activate a cluster in state ${c.state}`);
        return { ...c, state: 'ACTIVE', preCoPassword: undefined };
      });
      if (!done) throw new Error('no such cluster');
    },
    sessionsPerHsm: opts.sessionsPerHsm,
  });
  const clusterId = 'cluster-testabcdefg';
  const fixture: HsmFixture = {
    ...services,
    clusters,
    store,
    clock,
    clusterId,
    async addCluster(id, state = 'INITIALIZED', hsmCount = 1, extra = {}) {
      await clusters.insert(clusterRecord(id, state, hsmCount, extra));
    },
    async setHsms(id, hsms) {
      await clusters.update(SCOPE, id, (c) => ({ ...c, hsms }));
    },
    async activateWithKmsuser(id = clusterId) {
      await services.users.activate(SCOPE, id, ADMIN_PASSWORD);
      const admin = await fixture.login('admin', ADMIN_PASSWORD, 'admin', id);
      await services.users.create(SCOPE, id, admin, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD });
      await services.users.logout(SCOPE, id, admin);
    },
    async login(username, password, role = 'crypto-user', id = clusterId) {
      return (await services.users.login(SCOPE, id, { username, role, password })).sessionId;
    },
    close: () => db.close(),
  };
  await fixture.addCluster(clusterId, 'INITIALIZED', opts.hsmCount ?? 1);
  return fixture;
}
