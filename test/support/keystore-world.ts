import Database from 'better-sqlite3';
import { soleJobs } from '../../src/core/leases.js';
import { createCertificateAuthority, signClusterCsr, type CertificateAuthority } from '../../src/cluster/ca.js';
import { FaultRegistry } from '../../src/cluster/faults.js';
import { createHsmServices, type HsmServices } from '../../src/cluster/hsm-services.js';
import type { HsmEngine } from '../../src/cluster/hsm-engine.js';
import type { ClusterRecord } from '../../src/cluster/model.js';
import type { ServiceEvent } from '../../src/core/events.js';
import { secureRandom } from '../../src/core/random.js';
import { Sealer } from '../../src/core/sealer.js';
import { UnsealedKeys } from '../../src/core/unsealed-keys.js';
import { SoftwareEngine } from '../../src/engines/software.js';
import type { KeyStoreDeps } from '../../src/keystores/context.js';
import type { CustomKeyStoreRepository } from '../../src/keystores/repository.js';
import { createKeyStoreServices, type KeyStoreServices } from '../../src/keystores/services.js';
import type { Caller, KmsDeps } from '../../src/kms/context.js';
import { KeyBackends } from '../../src/kms/key-backends.js';
import { ServiceKeyBackend } from '../../src/kms/service-key-backend.js';
import type { KmsStore } from '../../src/kms/repository.js';
import { createKmsServices, type KmsServices } from '../../src/kms/services.js';
import { faultStoreOn } from '../../src/storage/sqlite/fault-store.js';
import { keyStoreStoreOn } from '../../src/storage/sqlite/keystore-store.js';
import { kmsStoreOn } from '../../src/storage/sqlite/sqlite-store.js';
import type { Db } from '../../src/storage/sqlite/database.js';
import { clusterWorld, SCOPE, type ClusterWorld } from './cluster-deps.js';

// KMS, custom key stores and the cluster domain on one in-memory database with a hand-moved
// clock, for the keystores unit tests: no HTTP, no timers (the connect worker runs when a test
// says so), every service event kept.

export { SCOPE };
export const CALLER: Caller = { ...SCOPE, principalArn: 'arn:aws:iam::111122223333:root' };
export const ADMIN_PASSWORD = 'AdminPassword1';
export const KMSUSER_PASSWORD = 'KmsuserPassword1';

export interface KeyStoreWorld {
  cluster: ClusterWorld;
  hsm: HsmServices;
  faults: FaultRegistry;
  kmsStore: KmsStore;
  kms: KmsServices;
  ks: KeyStoreServices;
  /** What `ks` was built from: another node's services are built from it with jobs of their own. */
  ksDeps: KeyStoreDeps;
  /** The stores' repository, for tests that set up what the API would take long to make. */
  repo: CustomKeyStoreRepository;
  events: ServiceEvent[];
  /** Work the key store services asked to run later (the connect worker's timer). */
  scheduled: number;
  /** An ACTIVE cluster with ACTIVE HSMs in `zones` (default two zones), admin and kmsuser. */
  activeCluster(opts?: { zones?: number; hsms?: number }): Promise<ClusterRecord>;
  /** Runs due connection attempts and returns the store's state afterwards. */
  settle(customKeyStoreId: string): Promise<string>;
  /** A session of `username` opened the way a person opens one with the CloudHSM CLI. */
  login(clusterId: string, username: string, password: string, role?: 'admin' | 'crypto-user'): Promise<string>;
  close(): void;
}

let ca: Promise<CertificateAuthority> | undefined;
/** One CA per test process: RSA key generation is the slow part of making a cluster. */
export const testCa = () => (ca ??= createCertificateAuthority('Keystore Test CA', { now: Date.now() - 3_600_000 }));

let prepared: Promise<{ image: Buffer; clusterId: string }> | undefined;

/**
 * A world that already has one ACTIVE cluster (two HSMs in two zones, admin, kmsuser). Making a
 * cluster takes RSA keys and password hashes, so it is made once per test process and each world
 * starts from a copy of that database.
 */
export async function readyWorld(opts: WorldOptions = {}): Promise<{ w: KeyStoreWorld; cluster: ClusterRecord }> {
  prepared ??= (async () => {
    const w = await keyStoreWorld();
    const { clusterId } = await w.activeCluster();
    const image = w.cluster.db.serialize();
    w.close();
    return { image, clusterId };
  })();
  const { image, clusterId } = await prepared;
  const w = await keyStoreWorld(new Database(image), opts);
  return { w, cluster: await w.cluster.s.clusters.get(SCOPE, clusterId) };
}

export interface WorldOptions {
  /** The engine of the clusters' HSMs (the software engine over the world's root key by default). */
  engine?: (sealer: Sealer, unsealed: UnsealedKeys) => HsmEngine;
}

export async function keyStoreWorld(db?: Db, opts: WorldOptions = {}): Promise<KeyStoreWorld> {
  // One root key for the whole world, as the service has: a second world over the same database opens what the first sealed.
  const sealer = new Sealer(Buffer.alloc(32, 7), secureRandom);
  const w = clusterWorld(undefined, db, sealer);
  const unsealed = new UnsealedKeys(sealer);
  const faults = await new FaultRegistry(faultStoreOn(w.db), w.clock).load();
  const hsm = createHsmServices({
    ...w.store,
    clusters: w.s.clusters,
    engine: opts.engine ? opts.engine(sealer, unsealed) : new SoftwareEngine(sealer, secureRandom, unsealed),
    clock: w.clock,
    random: secureRandom,
    activate: (scope, clusterId) => w.s.clusters.activate(scope, clusterId),
    sessionLimit: (id) => faults.sessionLimit(id),
  });
  const kmsStore = kmsStoreOn(w.db);
  const events: ServiceEvent[] = [];
  const repo = keyStoreStoreOn(w.db);
  const world: KeyStoreWorld = {
    cluster: w,
    hsm,
    faults,
    kmsStore,
    kms: undefined as unknown as KmsServices,
    ks: undefined as unknown as KeyStoreServices,
    ksDeps: undefined as unknown as KeyStoreDeps,
    repo,
    events,
    scheduled: 0,
    async activeCluster({ zones = 2, hsms = zones } = {}) {
      const subnets = await w.s.network.list(SCOPE);
      const created = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: subnets.slice(0, Math.max(zones, 1)).map((s) => s.subnetId) });
      const id = created.clusterId;
      const azs = Object.keys((await w.s.clusters.get(SCOPE, id)).subnetMapping).sort();
      for (let i = 0; i < hsms; i++) await w.s.clusters.createHsm(SCOPE, id, { availabilityZone: azs[i % azs.length]! });
      const withCsr = await w.s.clusters.get(SCOPE, id);
      const authority = await testCa();
      // Valid from a minute before the world's clock, which started when the world was made.
      const signed = await signClusterCsr(authority, withCsr.certificates.clusterCsr!, 3650, { now: w.clock.now() - 60_000 });
      await w.s.clusters.initialize(SCOPE, id, { signedCert: signed, trustAnchor: authority.certificatePem });
      await w.s.clusters.get(SCOPE, id);
      await hsm.users.activate(SCOPE, id, ADMIN_PASSWORD);
      const admin = await world.login(id, 'admin', ADMIN_PASSWORD, 'admin');
      await hsm.users.create(SCOPE, id, admin, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD });
      await hsm.users.logout(SCOPE, id, admin);
      return w.s.clusters.get(SCOPE, id);
    },
    async settle(customKeyStoreId) {
      await world.ks.worker.runDue();
      return (await world.ks.stores.get(SCOPE, customKeyStoreId)).connectionState;
    },
    async login(clusterId, username, password, role = 'crypto-user') {
      return (await hsm.users.login(SCOPE, clusterId, { username, role, password })).sessionId;
    },
    close: () => w.close(),
  };
  world.ks = withDeps(world, {
    stores: repo,
    keys: kmsStore.keys,
    clusters: w.s.clusters,
    subnets: w.s.network,
    hsm,
    faults,
    sealer,
    clock: w.clock,
    random: secureRandom,
    events: { emit: async (e) => void events.push(e) },
    connectDelayMs: 0,
    jobs: soleJobs,
    // Counted, not run: the tests run due attempts themselves (settle).
    scheduler: { at: () => void world.scheduled++, every: () => {}, clockMoved: async () => {}, stop: () => {} },
    onError: (err) => {
      throw err;
    },
  });
  const deps: KmsDeps = { store: kmsStore, clock: w.clock, random: secureRandom, backends: new KeyBackends(new ServiceKeyBackend(sealer, secureRandom, unsealed), world.ks.backend), customKeyStores: world.ks.port };
  world.kms = createKmsServices(deps);
  return world;
}

/** The key store services, with what they were built from kept for tests that build another node's. */
function withDeps(world: KeyStoreWorld, deps: KeyStoreDeps): KeyStoreServices {
  world.ksDeps = deps;
  return createKeyStoreServices(deps);
}
