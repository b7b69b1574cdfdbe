import { deepFreeze } from '../core/deep-freeze.js';
import type { ClusterRecord, ClusterContent, HsmSession, Scope } from '../cluster/model.js';
import type { ClusterStore, ContentRepository, ClusterRepository, SessionRepository } from '../cluster/repository.js';
import type { CustomKeyStoreRepository } from '../keystores/repository.js';
import type { CustomKeyStoreRecord } from '../keystores/model.js';

/**
 * Every call with a key in a custom key store reads the store's record, its cluster's record, the
 * cluster's content (users and key objects) and the service's login sessions there, and those
 * change only when a store connects or disconnects, a cluster or HSM moves, a user or key object
 * changes, or a login opens or closes: rarely. Those reads are kept in memory, and every write
 * through any of the repositories below forgets them all; so does `forget`, which a node of a
 * shared store calls when the database's counter of those tables moved (another node wrote:
 * core/shared-state.ts, CLUSTER_STATE_COUNTER). A read that was running while a write ended keeps
 * its answer to itself, so nothing older than the last write is ever kept. What is kept is
 * frozen: callers share it.
 */
export class StateCache {
  private readonly entries = new Map<string, unknown>();
  /** Moves at the end of every write: a read that started before keeps nothing. */
  private generation = 0;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  async read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const started = this.generation;
    const value = await load();
    if (started === this.generation) this.keep(key, value);
    return value;
  }

  /** A write: whatever it changed, nothing read before it ended is used again. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.forget();
    }
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private keep(key: string, value: unknown): void {
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, deepFreeze(value));
  }
}

const DEFAULT_LIMIT = 10_000;

/**
 * The tables behind the reads kept here: on a shared store, every change of them moves
 * CLUSTER_STATE_COUNTER (the triggers of storage/sqlite/change-counters.ts and
 * storage/postgres/change-counters.ts).
 */
export const CLUSTER_STATE_TABLES = ['custom_key_stores', 'clusters', 'hsm_contents', 'hsm_sessions'] as const;

/** The cluster store and the key store repository with their hot reads kept in one StateCache. */
export function withClusterStateCache(
  cluster: ClusterStore,
  keyStores: CustomKeyStoreRepository,
  cache = new StateCache(),
): { cluster: ClusterStore; keyStores: CustomKeyStoreRepository } {
  return {
    cluster: {
      subnets: classified(cluster.subnets, cache, { initNetwork: WRITE, insert: WRITE, get: READ, list: READ, update: WRITE, remove: WRITE }),
      backups: classified(cluster.backups, cache, { insert: WRITE, get: READ, update: WRITE, list: READ, dueForTransition: READ }),
      clusters: cachedClusters(cluster.clusters, cache),
      contents: cachedContents(cluster.contents, cache),
      sessions: cachedSessions(cluster.sessions, cache),
    },
    keyStores: cachedKeyStores(keyStores, cache),
  };
}

const scoped = (kind: string, scope: Scope, id: string) => `${kind}/${scope.accountId}/${scope.region}/${id}`;

function cachedClusters(inner: ClusterRepository, cache: StateCache): ClusterRepository {
  return {
    ...classified(inner, cache, { insert: WRITE, get: READ, update: WRITE, list: READ, remove: WRITE, dueForTransition: READ, all: READ }),
    get: (scope, clusterId): Promise<ClusterRecord | undefined> => cache.read(scoped('cluster', scope, clusterId), () => inner.get(scope, clusterId)),
  };
}

function cachedContents(inner: ContentRepository, cache: StateCache): ContentRepository {
  return {
    ...classified(inner, cache, { get: READ, put: WRITE, update: WRITE, remove: WRITE }),
    get: (clusterId): Promise<ClusterContent | undefined> => cache.read(`content/${clusterId}`, () => inner.get(clusterId)),
  };
}

function cachedSessions(inner: SessionRepository, cache: StateCache): SessionRepository {
  return {
    ...classified(inner, cache, { open: WRITE, get: READ, list: READ, close: WRITE, closeAll: WRITE }),
    get: (sessionId): Promise<HsmSession | undefined> => cache.read(`session/${sessionId}`, () => inner.get(sessionId)),
    list: (clusterId): Promise<HsmSession[]> => cache.read(`sessions/${clusterId}`, () => inner.list(clusterId)),
  };
}

function cachedKeyStores(inner: CustomKeyStoreRepository, cache: StateCache): CustomKeyStoreRepository {
  return {
    ...classified(inner, cache, { insert: WRITE, get: READ, findByName: READ, list: READ, update: WRITE, remove: WRITE, inState: READ }),
    get: (scope, id): Promise<CustomKeyStoreRecord | undefined> => cache.read(scoped('store', scope, id), () => inner.get(scope, id)),
  };
}

const READ = 'read';
const WRITE = 'write';

/**
 * The repository's methods bound to it, its writes forgetting every kept read when they end. Every
 * method of the port must be named one or the other (the type says so), so a method added to a
 * port later cannot slip past the cache as an unnoticed write.
 */
function classified<R extends object>(inner: R, cache: StateCache, methods: { readonly [K in keyof R]: typeof READ | typeof WRITE }): R {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(methods)) {
    const method = (inner as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!.bind(inner);
    out[name] = kind === WRITE ? (...args: unknown[]) => cache.write(() => method(...args)) : method;
  }
  return out as R;
}
