import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AuditTrail } from './audit/trail.js';
import type { AuditServices } from './audit/services.js';
import { LATEST_SERVICE_TIME_MS, OffsetClock, standingClock, systemClock, usableOffset } from './core/clock.js';
import { discardEvents, type ServiceEventSink } from './core/events.js';
import { Maintenance } from './core/maintenance.js';
import { secureRandom } from './core/random.js';
import { ManualScheduler, TimerScheduler } from './core/scheduler.js';
import { Sealer } from './core/sealer.js';
import { FaultRegistry } from './cluster/faults.js';
import type { ClusterStore } from './cluster/repository.js';
import { clusterMaintenanceTasks, createClusterServices } from './cluster/services.js';
import { createHsmServices } from './cluster/hsm-services.js';
import { SoftwareEngine } from './engines/software.js';
import { hsmService } from './operations/hsm/index.js';
import { DEFAULT_TIMINGS, type ClusterTimings } from './cluster/transitions.js';
import type { KmsDeps } from './kms/context.js';
import { deleteDueKeys } from './kms/deletion.js';
import { deleteKeyEvents } from './kms/deletion-events.js';
import { GrantTokens, grantTokenSecret } from './kms/grant-tokens.js';
import { ImportTokens, importSecret } from './kms/import-tokens.js';
import { KeyVault } from './kms/key-vault.js';
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
import { lockDataDir } from './storage/data-dir-lock.js';
import { dataDirExposure } from './storage/data-dir-modes.js';
import { loadTls, type TlsSetting } from './protocol/tls.js';
import { loadRootKey } from './storage/root-key.js';
import { sqliteStores } from './storage/sqlite/stores.js';
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
  const lock = inMemory ? undefined : lockDataDir(opts.dataDir);
  if (lock) opened.push(() => lock.release());
  const exposure = inMemory ? undefined : dataDirExposure(opts.dataDir);
  if (exposure) log(`keywarden: warning: ${exposure}`);
  const credentials = opts.credentialsFile ? Credentials.fromFile(opts.credentialsFile) : new Credentials([DEV_PRINCIPAL]);
  // A shared database is opened first: whether it already holds data decides whether a root key may be made here.
  // Its driver is loaded only when one is named: SQLite needs none of it.
  const postgres = opts.store ? await import('./storage/postgres/stores.js') : undefined;
  const shared = postgres && opts.store ? await postgres.openPgDatabase(opts.store) : undefined;
  if (shared) opened.push(() => shared.close());
  const usedStore = postgres && shared && (await postgres.storedRootKeyCheck(shared)) !== undefined ? shared.location : undefined;
  const rootKey = loadRootKey({ dataDir: opts.dataDir, file: opts.rootKeyFile, value: opts.rootKey, inMemory, usedStore });
  const sealer = new Sealer(rootKey, secureRandom);
  // Before the database opens: a certificate that cannot be served stops start-up with nothing to close.
  const tls = opts.tls ? await loadTls(opts.tls, opts.dataDir, Date.now()) : undefined;
  const logger = opts.logger ?? createLogger();
  let metrics: ServiceMetrics | undefined;
  const failures = new FailureLog(logger, (source) => metrics?.countFailure(source));
  const auditOn = opts.audit ?? true;
  // A wrong root key stops the start before the database is written with it.
  const stores = postgres && shared
    ? await postgres.postgresServiceStores(shared, rootKey, sealer)
    : sqliteStores({
        dataDir: opts.dataDir,
        inMemory,
        rootKey,
        sealer,
        audit: auditOn ? { sync: opts.auditSync ?? 'os', onError: (err) => failures.failed('audit trail', err) } : undefined,
      });
  opened.push(() => stores.close());
  const auditStore = stores.audit;
  opened.push(() => auditStore.close());
  const store = stores.kms;
  const storedOffset = await store.settings.get(CLOCK_OFFSET);
  const offsetMs = Number(storedOffset ?? 0);
  // A clock past the dates the service can write would fail every call: better the real time.
  const usable = usableOffset(offsetMs);
  if (!usable) log(`keywarden: warning: ignoring the stored clock offset '${storedOffset}' ms, which would put the service clock past ${new Date(LATEST_SERVICE_TIME_MS).toISOString()} or behind the system time; the clock starts at the system time`);
  const manualClock = opts.clock === 'manual';
  const clock = new OffsetClock(usable ? offsetMs : 0, manualClock ? standingClock(Date.now()) : systemClock);
  const scheduler = manualClock ? new ManualScheduler(clock) : new TimerScheduler(clock);
  const vault = new KeyVault(sealer, secureRandom);
  const grantTokens = new GrantTokens(grantTokenSecret(rootKey), secureRandom);
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
            kms.usage.noteCall(call.operation, record.keyArns, { timestamp: record.eventTime, eventId: record.eventId, requestId: call.ctx.requestId });
          }
        },
      })
    : undefined;
  const audit: AuditServices = { store: auditStore, clock, trail };
  const events = opts.events ?? trail ?? discardEvents;
  const faults = await new FaultRegistry(stores.faults, clock).load();
  const clusterStore: ClusterStore = stores.cluster;
  const cluster = createClusterServices({
    store: clusterStore,
    clock,
    random: secureRandom,
    sealer,
    timings: opts.clusterTimings ?? DEFAULT_TIMINGS,
  });
  const hsm = createHsmServices({
    ...clusterStore,
    clusters: cluster.clusters,
    engine: new SoftwareEngine(sealer, secureRandom),
    clock,
    random: secureRandom,
    activate: (scope, clusterId) => cluster.clusters.activate(scope, clusterId),
    sessionsPerHsm: opts.hsmSessionsPerHsm,
    sessionLimit: (clusterId) => faults.sessionLimit(clusterId),
  });
  const keyStores = createKeyStoreServices({
    stores: stores.keyStores,
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
    onError: (err) => failures.failed('custom key store connections', err),
  });
  const deps: KmsDeps = { store, clock, random: secureRandom, vault, events, customKeyStores: keyStores.port, grantTokens, importTokens: new ImportTokens(importSecret(rootKey), secureRandom) };
  const kms = createKmsServices(deps);
  const kmsApp: KmsApp = { ...kms, customKeyStores: keyStores.stores };
  await kms.usage.load();

  // Each task by name, so that a failure that lasts is logged once, and its end too (FailureLog).
  type NamedTask = [name: string, run: () => Promise<unknown>];
  const tasks: NamedTask[] = [
    ['key deletion', () => deleteDueKeys(deps, [keyStores.onKeyDeleted, deleteKeyEvents(events)])],
    ['automatic key rotation', () => kms.rotation.rotateDue()],
    ['imported key material expiry', () => kms.imports.expireDue()],
    ...clusterMaintenanceTasks(cluster).map((run, i): NamedTask => [`cluster maintenance task ${i + 1}`, run]),
    ...keyStoreMaintenanceTasks(keyStores).map((run, i): NamedTask => [`key store maintenance task ${i + 1}`, run]),
    ...(trail ? [['audit trail retention', () => trail.purgeExpired()] satisfies NamedTask] : []),
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
    saveClockOffset: (ms) => store.settings.set(CLOCK_OFFSET, String(ms)),
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
    engine: 'software',
    storeProblem: () => stores.problem(),
    audit: () => (auditOn ? { state: 'on', ...auditStore.condition() } : { state: 'off' }),
  };
  const routes = operabilityRoutes({ health, metrics, metricsAccess: opts.metricsAccess });
  const api = (req: IncomingMessage, res: ServerResponse) => {
    if (!routes(req, res)) void handler(req, res);
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
      lock?.release();
    },
  };
}

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
