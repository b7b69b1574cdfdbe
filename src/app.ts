import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { AuditTrail } from './audit/trail.js';
import type { AuditServices } from './audit/services.js';
import { LATEST_SERVICE_TIME_MS, OffsetClock, standingClock, systemClock, usableOffset } from './core/clock.js';
import { SharedClock } from './core/clock-setting.js';
import { CLOCK_COUNTER, CLUSTER_STATE_COUNTER, FAULTS_COUNTER, SharedState } from './core/shared-state.js';
import { discardEvents, type ServiceEventSink } from './core/events.js';
import { DEFAULT_LEASE_TTL_MS, type Jobs, LeasedJobs, soleJobs } from './core/leases.js';
import { Maintenance, type MaintenanceTask } from './core/maintenance.js';
import { secureRandom } from './core/random.js';
import { ManualScheduler, TimerScheduler } from './core/scheduler.js';
import { Sealer } from './core/sealer.js';
import { UnsealedKeys } from './core/unsealed-keys.js';
import { FaultRegistry } from './cluster/faults.js';
import { clusterMaintenanceTasks, createClusterServices } from './cluster/services.js';
import { createHsmServices } from './cluster/hsm-services.js';
import type { HsmEngine } from './cluster/hsm-engine.js';
import { SoftwareEngine } from './engines/software.js';
import { Pkcs11Backend, type Pkcs11Setup } from './engines/pkcs11-setup.js';
import { hsmService } from './operations/hsm/index.js';
import { DEFAULT_TIMINGS, type ClusterTimings } from './cluster/transitions.js';
import type { KmsDeps } from './kms/context.js';
import { deleteDueKeys } from './kms/deletion.js';
import { deleteKeyEvents } from './kms/deletion-events.js';
import { GrantTokens, grantTokenSecret } from './kms/grant-tokens.js';
import { ImportTokens, importSecret } from './kms/import-tokens.js';
import { KeyBackends } from './kms/key-backends.js';
import { SHARED_WRITE_BEHIND_MS } from './kms/key-usage.js';
import { ServiceKeyBackend } from './kms/service-key-backend.js';
import { createKmsServices } from './kms/services.js';
import { adminService, type AdminApp } from './operations/admin/index.js';
import { cloudHsmService } from './operations/cloudhsmv2/index.js';
import { cloudTrailService } from './operations/cloudtrail/index.js';
import { type KmsApp, kmsService } from './operations/kms/index.js';
import { DEFAULT_CONNECT_DELAY_MS } from './keystores/context.js';
import { createKeyStoreServices, keyStoreMaintenanceTasks } from './keystores/services.js';
import { CONSOLE_PATH, withConsole } from './console/route.js';
import { Credentials, DEV_PRINCIPAL } from './protocol/credentials.js';
import { createEndpoint, type Endpoint } from './protocol/endpoint.js';
import { connectionLimit, openFileLimit } from './protocol/limits.js';
import { createApiHandler, mount } from './protocol/server.js';
import { lockDataDir, lockDataDirShared } from './storage/data-dir-lock.js';
import { dataDirExposure } from './storage/data-dir-modes.js';
import { loadTls, type TlsSetting } from './protocol/tls.js';
import { loadRootKey } from './storage/root-key.js';
import { RootKeyMismatch } from './storage/root-key-check.js';
import { StateCache, withClusterStateCache } from './storage/cluster-state-cache.js';
import { withKeyCache } from './storage/key-cache.js';
import { sqliteStores } from './storage/sqlite/stores.js';
import type { ServiceStores } from './storage/service-stores.js';
import { keysByState, keyStoresByState } from './kms/key-census.js';
import { FailureLog } from './observability/failure-log.js';
import type { HealthSources } from './observability/health.js';
import { createLogger, type Logger } from './observability/logger.js';
import { ServiceMetrics } from './observability/metrics.js';
import { packageVersion } from './observability/package-version.js';
import { requestLog } from './observability/request-log.js';
import { operabilityRoutes, type MetricsAccess } from './observability/routes.js';
import { selfUrlOf, type SelfEndpoint, storeDoctor } from './operations/admin/store-doctor.js';

export interface KeywardenOptions {
  host: string;
  port: number;
  dataDir: string;
  credentialsFile?: string;
  allowClockControl?: boolean;
  rootKeyFile?: string;
  rootKey?: string;
  /** `pkcs11`: the root key is a non-extractable key in a PKCS#11 token, not a file or KEYWARDEN_ROOT_KEY (`file`, the default). */
  rootKeyIn?: 'file' | 'pkcs11';
  /** Where the key objects of clusters live: sealed in the service (`software`, the default), or in PKCS#11 tokens, one per HSM. */
  hsmEngine?: 'software' | 'pkcs11';
  /** The PKCS#11 library and its tokens, for `hsmEngine: 'pkcs11'` and `rootKeyIn: 'pkcs11'`. */
  pkcs11?: Pkcs11Setup;
  /**
   * `real` (the default): the service clock is the system's, moved forward by `clock advance`.
   * `manual`: it stands still from start-up and moves only with `clock advance`; delayed work
   * (cluster changes, connection attempts, maintenance runs) happens when an advance reaches it.
   */
  clock?: 'real' | 'manual';
  /** How often background work (deletions, rotations) runs. */
  maintenanceIntervalMs?: number;
  /** How long CloudHSM's asynchronous transitions take (cluster creation, HSMs, backups). */
  clusterTimings?: ClusterTimings;
  /** Sessions each ACTIVE HSM holds at once (logins and in-flight cryptographic calls). */
  hsmSessionsPerHsm?: number;
  /** Record every call and every action of the service in the audit trail (default on). */
  audit?: boolean;
  /** Days the audit trail keeps a record (default 90, CloudTrail's event history). */
  auditRetentionDays?: number;
  /**
   * Where the record of a call that changed nothing is when the call is answered: with the
   * operating system (survives any crash of the service; on disk within 50 ms), the default, or on
   * disk (survives a power loss). Records of changes are on disk before the answer either way.
   */
  auditSync?: 'os' | 'disk';
  /** How long a custom key store's connection attempt takes (ConnectCustomKeyStore returns at once). */
  connectDelayMs?: number;
  /** The most connections the endpoint holds at once (default 1024, or fewer if the open-file limit is lower). */
  maxConnections?: number;
  /** HTTPS with these files, or with a self-signed certificate kept in the data directory. */
  tls?: TlsSetting;
  /** Where service events go (connection outcomes, DeleteKey at the end of a waiting period). */
  events?: ServiceEventSink;
  /** Serve the web console at /console on the same port (off unless asked for). */
  console?: boolean;
  /** Where start-up warnings go, as plain lines (standard error by default). */
  log?: (line: string) => void;
  /** Keep nothing on disk: no data directory, database file, audit log or root key file (`serve --in-memory`). */
  inMemory?: boolean;
  /** A PostgreSQL URL (`serve --store`): the data in that database, shared by every node given it, instead of SQLite in the data directory. */
  store?: string;
  /**
   * Share the data directory with other Keywarden processes started the same way (`serve
   * --shared-store`): they serve one set of keys, one audit trail and one clock, and each piece of
   * background work runs on one of them (docs/nodes.md).
   */
  sharedStore?: boolean;
  /** How long a node's claim on a background job lasts without renewal (15 s): how soon another node takes over from a dead one. */
  leaseTtlMs?: number;
  /** The log once started: a line per request, background failures (JSON on standard error at `info` by default). */
  logger?: Logger;
  /** Who may read GET /metrics (loopback callers by default). */
  metricsAccess?: MetricsAccess;
  /** The version /health and /metrics report (package.json's by default). */
  version?: string;
}

export interface RunningKeywarden {
  url: string;
  /** Where the endpoint's certificate is, when it speaks HTTPS. */
  tls?: { certFile: string; selfSigned: boolean };
  port: number;
  host: string;
  /** The web console's address, when it is served. */
  consoleUrl?: string;
  /** Where the data is: SQLite in the data directory (or memory), or a PostgreSQL database. */
  store: { kind: 'sqlite' | 'postgres'; location: string };
  close(): Promise<void>;
}

const CLOCK_OFFSET = 'clock.offsetMs';

/**
 * The composition root: builds every part from its options and starts the HTTP endpoint. If a
 * step fails, whatever the steps before it opened (the data directory's lock, the database, the
 * audit log and its thread, the listening socket) is closed before the error is thrown, so a
 * failed start leaves nothing behind and its process can exit.
 */
export async function startKeywarden(opts: KeywardenOptions): Promise<RunningKeywarden> {
  const opened: Array<() => unknown> = [];
  try {
    return await start(opts, opened);
  } catch (err) {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch {
        // The failure that stopped the start is the one to report.
      }
    }
    throw err;
  }
}

async function start(opts: KeywardenOptions, opened: Array<() => unknown>): Promise<RunningKeywarden> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const startedAt = Date.now();
  // This process among the nodes of a shared store: it names the leases it holds and its audit log.
  const nodeId = `node-${process.pid}-${secureRandom.bytes(4).toString('hex')}`;
  const inMemory = opts.inMemory === true;
  if (inMemory && opts.tls && !('certFile' in opts.tls)) {
    throw new Error('--tls self-signed keeps its certificate in the data directory, which --in-memory does without; pass --tls-cert FILE --tls-key FILE');
  }
  // The port before anything else: a port in use ends the start at once, before the data directory
  // is opened (or made). Calls that arrive while the rest starts wait for it.
  const limit = connectionLimit(opts.maxConnections, openFileLimit());
  if (limit.warning) log(`keywarden: ${limit.warning}`);
  let answer: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const early: Array<[IncomingMessage, ServerResponse]> = [];
  const server = createEndpoint({ maxConnections: limit.maxConnections, tls: opts.tls ? 'later' : undefined }, (req, res) =>
    answer ? answer(req, res) : early.push([req, res]),
  );
  await listenFirst(server, opts);
  opened.push(() => new Promise((resolve) => server.close(resolve)));
  // Before anything in the directory is read or written: a second service must not touch it.
  if (inMemory && opts.sharedStore) throw new Error('--shared-store shares a data directory, which --in-memory does without; give the nodes one --data-dir');
  // Nodes of a shared store hold it together, and keep out a service that wants it alone.
  const lock = inMemory ? undefined : opts.sharedStore ? lockDataDirShared(opts.dataDir) : lockDataDir(opts.dataDir);
  if (lock) opened.push(() => lock.release());
  const exposure = inMemory ? undefined : dataDirExposure(opts.dataDir);
  if (exposure) log(`keywarden: warning: ${exposure}`);
  const credentials = opts.credentialsFile ? Credentials.fromFile(opts.credentialsFile) : new Credentials([DEV_PRINCIPAL]);
  // A shared database is opened first: whether it already holds data decides whether a root key may be made here.
  // Its driver is loaded only when one is named: SQLite needs none of it.
  const postgres = opts.store ? await import('./storage/postgres/stores.js') : undefined;
  const database = postgres && opts.store ? await postgres.openPgDatabase(opts.store) : undefined;
  if (database) opened.push(() => database.close());
  const usedStore = postgres && database && (await postgres.storedRootKeyCheck(database)) !== undefined ? database.location : undefined;
  // The tokens before the root key, which may be one of them: a wrong library, token or PIN ends the start here.
  const pkcs11 = opts.hsmEngine === 'pkcs11' || opts.rootKeyIn === 'pkcs11' ? Pkcs11Backend.open(opts.pkcs11!) : undefined;
  if (pkcs11) opened.push(() => pkcs11.close());
  const unused = database ? usedStore === undefined : inMemory || !existsSync(join(opts.dataDir, 'keywarden.db'));
  const tokenRootKey = opts.rootKeyIn === 'pkcs11' ? pkcs11!.rootKey(unused) : undefined;
  // With the root key in a token, the service's HMAC secrets come from a secret the token derives from it.
  const rootKey = tokenRootKey ? tokenRootKey.derive('root key') : loadRootKey({ dataDir: opts.dataDir, file: opts.rootKeyFile, value: opts.rootKey, inMemory, usedStore });
  const sealer = new Sealer(tokenRootKey ?? rootKey, secureRandom);
  // Before the database opens: a certificate that cannot be served stops start-up with nothing to close.
  const tls = opts.tls ? await loadTls(opts.tls, opts.dataDir, Date.now()) : undefined;
  const logger = opts.logger ?? createLogger();
  let metrics: ServiceMetrics | undefined;
  const failures = new FailureLog(logger, (source) => metrics?.countFailure(source));
  const auditOn = opts.audit ?? true;
  // A wrong root key stops the start before the database is written with it.
  let stores: ServiceStores;
  try {
    stores = postgres && database
      ? await postgres.postgresServiceStores(database, rootKey, sealer)
      : sqliteStores({
          dataDir: opts.dataDir,
          inMemory,
          rootKey,
          sealer,
          audit: auditOn ? { sync: opts.auditSync ?? 'os', onError: (err) => failures.failed('audit trail', err) } : undefined,
          // One of several nodes: a log of its own, and reads that apply the others' first.
          node: opts.sharedStore ? nodeId : undefined,
        });
  } catch (err) {
    if (!tokenRootKey || !(err instanceof RootKeyMismatch)) throw err;
    const where = database ? `the database ${database.location}` : `the data directory ${resolve(opts.dataDir)}`;
    throw new Error(`the root key in PKCS#11 token '${tokenRootKey.tokenLabel}' is not the one ${where} was created with; start with the root key it was created with`);
  }
  opened.push(() => stores.close());
  const auditStore = stores.audit;
  opened.push(() => auditStore.close());
  // Other nodes write the store with --shared-store, and always on PostgreSQL: cached keys are then
  // checked against their row versions.
  const sharedWriters = stores.kind === 'postgres' || opts.sharedStore === true;
  const store = withKeyCache(stores.kms, { sharedWriters, otherCommits: stores.otherCommits });
  const storedOffset = await store.settings.get(CLOCK_OFFSET);
  const offsetMs = Number(storedOffset ?? 0);
  // A clock past the dates the service can write would fail every call: better the real time.
  const usable = usableOffset(offsetMs);
  if (!usable) log(`keywarden: warning: ignoring the stored clock offset '${storedOffset}' ms, which would put the service clock past ${new Date(LATEST_SERVICE_TIME_MS).toISOString()} or behind the system time; the clock starts at the system time`);
  const manualClock = opts.clock === 'manual';
  const clockSettings = stores.clockSettings;
  const standing = manualClock ? standingClock(Date.now()) : undefined;
  if (standing && sharedWriters) {
    // One manual clock for all nodes: it stands where the first node of the deployment started it.
    const at = lock && 'alone' in lock && lock.alone ? undefined : await clockSettings.standingAt();
    if (at === undefined) await clockSettings.setStandingAt(standing.now());
    else standing.standAt(at);
  }
  const clock = new OffsetClock(usable ? offsetMs : 0, standing ?? systemClock);
  const sharedClock = new SharedClock(clock, clockSettings, standing);
  const scheduler = manualClock ? new ManualScheduler(clock) : new TimerScheduler(clock);
  // One cache of opened key material for KMS's own keys and the software engine's key objects.
  const unsealed = new UnsealedKeys(sealer);
  const serviceKeys = new ServiceKeyBackend(sealer, secureRandom, unsealed);
  // Every secret derived from the root key is derived here, before the key is wiped: a derivation
  // after the wipe would quietly yield a secret made from zeros, the same on every installation.
  const grantTokens = new GrantTokens(grantTokenSecret(rootKey), secureRandom);
  const importTokens = new ImportTokens(importSecret(rootKey), secureRandom);
  rootKey.fill(0);
  const logRequest = requestLog(logger);
  const trail = auditOn
    ? new AuditTrail({
        store: auditStore,
        clock,
        random: secureRandom,
        models: {
          [kmsService.targetPrefix]: kmsService.model!,
          [cloudHsmService.targetPrefix]: cloudHsmService.model!,
          [adminService.targetPrefix]: adminService.model!,
        },
        retentionDays: opts.auditRetentionDays,
        onRecorded: (call, record) => {
          if (call.service === kmsService.targetPrefix) {
            kms.usage.noteCall(call.operation, record.keyArns, { timestamp: record.eventTime, at: record.at, eventId: record.eventId, requestId: call.ctx.requestId });
          }
        },
      })
    : undefined;
  const audit: AuditServices = { store: auditStore, clock, trail };
  const events = opts.events ?? trail ?? discardEvents;
  const faults = await new FaultRegistry(stores.faults, clock).load();
  // What every custom-key-store call reads (the store, its cluster, the cluster's content and
  // sessions) is kept until it changes: a write through this node forgets it, and so does a move
  // of the counter the database moves with every change of those tables, when other nodes write.
  const stateCache = new StateCache();
  const { cluster: clusterStore, keyStores: keyStoreRepository } = withClusterStateCache(stores.cluster, stores.keyStores, stateCache);
  // Other nodes change the clock, the faults and the key stores and clusters too: each request
  // first reads the few rows of counters.
  const shared = sharedWriters
    ? new SharedState(stores.changeCounters, {
        // Moved forward by another node: what this node's own schedule holds (its maintenance, on a
        // manual clock) runs too, without holding up the call that noticed.
        [CLOCK_COUNTER]: async () => {
          if (await sharedClock.follow()) void scheduler.clockMoved();
        },
        [FAULTS_COUNTER]: () => faults.load(),
        [CLUSTER_STATE_COUNTER]: async () => stateCache.forget(),
      }, stores.otherCommits)
    : undefined;
  await shared?.refresh();
  const cluster = createClusterServices({
    store: clusterStore,
    clock,
    random: secureRandom,
    sealer,
    timings: opts.clusterTimings ?? DEFAULT_TIMINGS,
  });
  const engine: HsmEngine = pkcs11 && opts.hsmEngine === 'pkcs11' ? pkcs11.engine(async () => liveHsms(await clusterStore.clusters.all())) : new SoftwareEngine(sealer, secureRandom, unsealed);
  opened.push(() => engine.close?.());
  const hsm = createHsmServices({
    ...clusterStore,
    clusters: cluster.clusters,
    engine,
    clock,
    random: secureRandom,
    activate: (scope, clusterId) => cluster.clusters.activate(scope, clusterId),
    sessionsPerHsm: opts.hsmSessionsPerHsm,
    sessionLimit: (clusterId) => faults.sessionLimit(clusterId),
  });
  // Background work runs once across the nodes of a shared store: each job is claimed first. A
  // service alone on its directory has every job to itself, and claims nothing (no write per job
  // and run); leases nodes left behind are gone with it.
  const leases = stores.leases;
  if (!sharedWriters) leases.clear?.();
  const jobs: Jobs = sharedWriters
    ? new LeasedJobs(leases, { holder: nodeId, ttlMs: opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS, onError: (err) => failures.failed('job leases', err) })
    : soleJobs;
  const keyStores = createKeyStoreServices({
    stores: keyStoreRepository,
    keys: store.keys,
    clusters: cluster.clusters,
    subnets: cluster.network,
    hsm,
    faults,
    sealer,
    clock,
    random: secureRandom,
    events,
    connectDelayMs: opts.connectDelayMs ?? DEFAULT_CONNECT_DELAY_MS,
    scheduler,
    jobs,
    onError: (err) => failures.failed('custom key store connections', err),
  });
  const backends = new KeyBackends(serviceKeys, keyStores.backend);
  const deps: KmsDeps = { store, clock, random: secureRandom, backends, events, customKeyStores: keyStores.port, grantTokens, importTokens };
  const kms = createKmsServices(deps, { usage: sharedWriters ? { writeBehindMs: SHARED_WRITE_BEHIND_MS } : {} });
  const kmsApp: KmsApp = { ...kms, customKeyStores: keyStores.stores };
  await kms.usage.load();

  // Each task by name, so that a failure that lasts is logged once, and its end too (FailureLog).
  // A task that changes shared state is a job, claimed by one node at a time (core/leases.ts); after
  // a clock move, the node that moved it waits for a job another node holds, then runs it too.
  type NamedTask = [name: string, run: MaintenanceTask];
  const job =
    (name: string, work: () => Promise<unknown>): MaintenanceTask =>
    (run) =>
      jobs.run(name, work, { waitForOthers: run.afterClockMove });
  const tasks: NamedTask[] = [
    // The clock and the faults as the other nodes left them, before anything is decided on them.
    ...(shared ? [['shared clock and faults', () => shared.refresh()] satisfies NamedTask] : []),
    ['key deletion', job('kms/key-deletion', () => deleteDueKeys(deps, [keyStores.onKeyDeleted, deleteKeyEvents(events)]))],
    ['automatic key rotation', job('kms/rotation', () => kms.rotation.rotateDue())],
    ['imported key material expiry', job('kms/material-expiry', () => kms.imports.expireDue())],
    ...clusterMaintenanceTasks(cluster).map((run, i): NamedTask => [`cluster maintenance task ${i + 1}`, job(`cluster/maintenance-${i + 1}`, run)]),
    ...keyStoreMaintenanceTasks(keyStores, jobs),
    ...(trail ? [['audit trail retention', job('audit/retention', () => trail.purgeExpired())] satisfies NamedTask] : []),
    // What nodes that died (or a service that ran alone here before) left in their logs reaches the trail.
    ...(auditStore.adoptOrphanLogs ? [['audit log adoption', job('audit/adopt-logs', () => auditStore.adoptOrphanLogs!())] satisfies NamedTask] : []),
    // Each node's own: the uses it noted since its last run.
    ['key last-use records', () => kms.usage.flush()],
  ];
  const maintenance = new Maintenance(
    tasks.map(([name, run]) => failures.watch(name, run)),
    (err) => failures.failed('maintenance', err),
  );
  const admin: AdminApp = {
    clock,
    clockMode: manualClock ? 'manual' : 'real',
    scheduler,
    allowClockControl: opts.allowClockControl ?? false,
    moveClock: (change) => sharedClock.move(change),
    maintenance,
    cluster,
    faults,
    keyStores,
    audit,
    kms: kmsApp,
    identityOf: (arn) => credentials.identityOf(arn),
    storeDoctor: storeDoctor({ endpoint: () => self, principalOf: (accessKeyId) => credentials.get(accessKeyId) }),
  };
  // Known once the server listens; the console's DiagnoseCustomKeyStore calls the service there.
  let self: SelfEndpoint | undefined;

  const handler = createApiHandler({
    services: [
      mount(kmsService, kmsApp),
      mount(cloudHsmService, cluster),
      mount(hsmService, hsm),
      mount(adminService, admin),
      mount(cloudTrailService, audit),
    ],
    credentials,
    now: () => clock.now(),
    observer: trail,
    onInternalError: (err, requestId) => logger.error({ requestId, err }, `request ${requestId} failed`),
    onAnswered: (answer) => {
      metrics?.countRequest(answer);
      logRequest(answer);
    },
  });
  const version = opts.version ?? packageVersion();
  const census = stores.census;
  metrics = new ServiceMetrics({
    version,
    keysByState: async () => keysByState(await census.keyStateGroups()),
    keyStoresByState: async () => keyStoresByState(await census.keyStoreStates()),
    auditBacklogBytes: () => (auditOn ? auditStore.condition().backlogBytes : undefined),
    failingSources: () => failures.sources(),
  });
  const health: HealthSources = {
    version,
    startedAt,
    store: { kind: stores.kind, location: stores.location },
    engine: engine.name,
    storeProblem: () => stores.problem(),
    audit: () => (auditOn ? { state: 'on', ...auditStore.condition() } : { state: 'off' }),
  };
  const routes = operabilityRoutes({ health, metrics, metricsAccess: opts.metricsAccess });
  const api = (req: IncomingMessage, res: ServerResponse) => {
    if (routes(req, res)) return;
    if (!shared) return void handler(req, res);
    // A call answered after another node moved the clock or set a fault sees it (one read of a few rows).
    void shared.refresh().then(
      () => handler(req, res),
      (err: unknown) => {
        failures.failed('shared clock and faults', err);
        // Whether another node changed a key store or cluster cannot be told: read them afresh.
        stateCache.forget();
        return handler(req, res);
      },
    );
  };
  if (tls) (server as HttpsServer).setSecureContext({ cert: tls.cert, key: tls.key });
  answer = opts.console ? withConsole(api) : api;
  for (const [req, res] of early.splice(0)) answer(req, res);
  await maintenance.runOnce();
  maintenance.start(scheduler, opts.maintenanceIntervalMs ?? 5_000);

  const { port } = server.address() as AddressInfo;
  self = { url: selfUrlOf(opts.host, port, tls !== undefined), ...(tls ? { ca: tls.cert } : {}) };
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  return {
    url,
    ...(opts.console ? { consoleUrl: `${url}${CONSOLE_PATH}/` } : {}),
    ...(tls ? { tls: { certFile: tls.certFile, selfSigned: tls.selfSigned } } : {}),
    port,
    host: opts.host,
    store: { kind: stores.kind, location: stores.location },
    async close() {
      scheduler.stop();
      await maintenance.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Calls answered so far had their records written; anything a background task still queued is written now.
      await trail?.flush();
      // Last uses are written with the maintenance runs; what came in since the last run is written now.
      await kms.usage.flush();
      await auditStore.close();
      await stores.close();
      await engine.close?.();
      pkcs11?.close();
      lock?.release();
    },
  };
}

/** The HSMs that exist, in every cluster: a PKCS#11 token serving any other can serve a new one. */
const liveHsms = (clusters: Array<{ state: string; hsms: Array<{ hsmId: string }> }>) =>
  new Set(clusters.flatMap((c) => (c.state === 'DELETED' ? [] : c.hsms.map((h) => h.hsmId))));

/**
 * Listens on the port. Two services on one data directory usually share its port too: when the
 * port is in use and the directory is held by another Keywarden, that is the cause to report.
 */
async function listenFirst(server: Endpoint, opts: KeywardenOptions): Promise<void> {
  try {
    await listen(server, opts.host, opts.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && !opts.inMemory && existsSync(join(opts.dataDir, 'keywarden.lock'))) lockDataDir(opts.dataDir).release();
    throw err;
  }
}

function listen(server: Endpoint, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
