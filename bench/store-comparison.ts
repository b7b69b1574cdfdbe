import type { LatencySummary } from './stats.js';

// Encrypt and CreateKey on the deployments a team chooses between: one node on SQLite (the
// default), the same with two worker processes (`serve --workers 2`), one node on PostgreSQL, and
// two nodes on one PostgreSQL database with the requests alternating between them. Throughput is shown as a ratio to SQLite's; because the machine the
// bench runs on may have as few cores as there are processes under load, the figure that says
// what a deployment costs is CPU per request: the nodes' own, PostgreSQL's server processes'
// beside it, and both together. SQLite runs inside the node, so its cost is all in the node's.

export type Deployment = 'sqlite' | 'sqlite-workers-2' | 'postgres' | 'postgres-2';
export const DEPLOYMENTS: readonly Deployment[] = ['sqlite', 'sqlite-workers-2', 'postgres', 'postgres-2'];
export const DEPLOYMENT_LABEL: Record<Deployment, string> = {
  sqlite: 'SQLite, 1 node',
  'sqlite-workers-2': 'SQLite, --workers 2',
  postgres: 'PostgreSQL, 1 node',
  'postgres-2': 'PostgreSQL, 2 nodes',
};

export type StoreOperation = 'Encrypt' | 'CreateKey';
export const STORE_OPERATIONS: readonly StoreOperation[] = ['Encrypt', 'CreateKey'];

/** Whether the deployment's store is SQLite, inside its processes: it has no database server of its own. */
export const onSqlite = (d: Deployment): boolean => d === 'sqlite' || d === 'sqlite-workers-2';

/** The aim issue 17 sets: CPU per request on PostgreSQL (the database's included) within this factor of SQLite's. */
export const CPU_AIM = 1.5;

/** One measured window: a load on one deployment, then the audit indexing it left (LookupEvents on every node). */
export interface StoreRound extends LatencySummary {
  deployment: Deployment;
  operation: StoreOperation;
  round: number;
  ok: number;
  errors: number;
  warmupErrors: number;
  errorKinds: { what: string; count: number }[];
  /** Seconds of load (the indexing after it is not counted in the throughput). */
  elapsedSeconds: number;
  opsPerSecond: number;
  stoppedBy: string;
  /** The nodes' CPU (utime + stime, every thread) from the load's start to the end of the indexing after it. */
  nodesCpuMs: number | undefined;
  /** PostgreSQL's server processes' CPU over the same window (idle nodes' polling only, for SQLite). */
  databaseCpuMs: number | undefined;
  /** Seconds from the load's start to the end of the indexing after it, the window the CPU is read over. */
  windowSeconds: number;
}

export interface DeploymentFigures {
  deployment: Deployment;
  operation: StoreOperation;
  /** Every round's ops/s, in the order measured. */
  rounds: number[];
  /** All rounds' requests over all rounds' seconds of load. */
  opsPerSecond: number;
  /** opsPerSecond over SQLite's. */
  throughputRatio: number;
  /** The worst round's p99 (ms). */
  p99Ms: number;
  /** Microseconds of CPU per successful request, over all rounds. */
  nodesUsPerRequest: number | undefined;
  /** PostgreSQL's, per request (undefined for SQLite, which has no database server). */
  databaseUsPerRequest: number | undefined;
  /** Both together: what a request costs the machine, apart from the client. */
  withDatabaseUsPerRequest: number | undefined;
  /** withDatabaseUsPerRequest over SQLite's. */
  cpuRatio: number | undefined;
  /** nodesUsPerRequest over SQLite's. */
  nodesCpuRatio: number | undefined;
}

export interface StoreComparison {
  postgresVersion: string;
  /** Interleaved rounds, and measured seconds of each load. */
  rounds: number;
  seconds: number;
  concurrency: number;
  plaintextBytes: number;
  measured: StoreRound[];
  figures: DeploymentFigures[];
  /** PostgreSQL's CPU, in ms per second, while only the SQLite node was loaded: the background every PostgreSQL figure carries. */
  databaseBackgroundMsPerSecond: number | undefined;
  /** Each PostgreSQL deployment's CPU ratio against CPU_AIM, per operation. */
  aim: { deployment: Deployment; operation: StoreOperation; cpuRatio: number | undefined; met: boolean }[];
  valid: boolean;
}

export interface ComparisonContext {
  postgresVersion: string;
  seconds: number;
  concurrency: number;
  plaintextBytes: number;
}

export function summarizeStores(context: ComparisonContext, measured: StoreRound[]): StoreComparison {
  const perRequest = (runs: StoreRound[], cpu: (r: StoreRound) => number | undefined) => {
    const values = runs.map(cpu);
    const ok = runs.reduce((sum, r) => sum + r.ok, 0);
    if (ok === 0 || values.some((v) => v === undefined)) return undefined;
    return (1000 * values.reduce((sum: number, v) => sum + v!, 0)) / ok;
  };
  const figures: DeploymentFigures[] = [];
  for (const operation of STORE_OPERATIONS) {
    let base: DeploymentFigures | undefined;
    for (const deployment of DEPLOYMENTS) {
      const runs = measured.filter((r) => r.deployment === deployment && r.operation === operation);
      if (runs.length === 0) continue;
      const seconds = runs.reduce((sum, r) => sum + r.elapsedSeconds, 0);
      const nodesUsPerRequest = perRequest(runs, (r) => r.nodesCpuMs);
      const databaseUsPerRequest = onSqlite(deployment) ? undefined : perRequest(runs, (r) => r.databaseCpuMs);
      const withDatabaseUsPerRequest =
        onSqlite(deployment) ? nodesUsPerRequest : nodesUsPerRequest === undefined || databaseUsPerRequest === undefined ? undefined : nodesUsPerRequest + databaseUsPerRequest;
      const f: DeploymentFigures = {
        deployment,
        operation,
        rounds: runs.map((r) => r.opsPerSecond),
        opsPerSecond: runs.reduce((sum, r) => sum + r.ok, 0) / seconds,
        throughputRatio: NaN,
        p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
        nodesUsPerRequest,
        databaseUsPerRequest,
        withDatabaseUsPerRequest,
        cpuRatio: undefined,
        nodesCpuRatio: undefined,
      };
      base ??= deployment === 'sqlite' ? f : undefined;
      if (base) {
        f.throughputRatio = f.opsPerSecond / base.opsPerSecond;
        f.cpuRatio = ratio(f.withDatabaseUsPerRequest, base.withDatabaseUsPerRequest);
        f.nodesCpuRatio = ratio(f.nodesUsPerRequest, base.nodesUsPerRequest);
      }
      figures.push(f);
    }
  }
  const idle = measured.filter((r) => r.deployment === 'sqlite');
  const idleCpu = idle.map((r) => r.databaseCpuMs);
  const idleSeconds = idle.reduce((sum, r) => sum + r.windowSeconds, 0);
  return {
    postgresVersion: context.postgresVersion,
    rounds: Math.max(0, ...measured.map((r) => r.round)),
    seconds: context.seconds,
    concurrency: context.concurrency,
    plaintextBytes: context.plaintextBytes,
    measured,
    figures,
    databaseBackgroundMsPerSecond: idle.length === 0 || idleCpu.some((v) => v === undefined) ? undefined : idleCpu.reduce((s: number, v) => s + v!, 0) / idleSeconds,
    aim: figures
      .filter((f) => !onSqlite(f.deployment))
      .map((f) => ({ deployment: f.deployment, operation: f.operation, cpuRatio: f.cpuRatio, met: f.cpuRatio !== undefined && f.cpuRatio <= CPU_AIM })),
    valid: measured.length > 0 && measured.every((r) => r.errors === 0 && r.warmupErrors === 0),
  };
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);

export function formatStores(c: StoreComparison): string {
  const us = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));
  const times = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(2)}×`);
  const header = ['Operation', 'Deployment', 'ops/s', 'rounds', '× SQLite', 'p99 ms', 'nodes µs', 'PostgreSQL µs', 'with the database µs', '× SQLite'];
  const rows = c.figures.map((f) => [
    f.operation === 'Encrypt' ? `Encrypt ${c.plaintextBytes / 1024} KiB` : 'CreateKey',
    DEPLOYMENT_LABEL[f.deployment],
    f.opsPerSecond.toFixed(0),
    f.rounds.map((v) => v.toFixed(0)).join(' / '),
    times(f.throughputRatio),
    f.p99Ms.toFixed(1),
    us(f.nodesUsPerRequest),
    us(f.databaseUsPerRequest),
    us(f.withDatabaseUsPerRequest),
    times(f.cpuRatio),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const lines = [
    '',
    `SQLite and PostgreSQL ${c.postgresVersion}: ${c.concurrency} concurrent, ${c.rounds} interleaved round(s) of ${c.seconds} s per deployment and operation; ` +
      'two nodes share one database and the root key, and the requests alternate between them; --workers 2 is one service of two worker processes',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '  ops/s: all rounds together (rounds: each round). µs: server CPU per successful request (utime + stime from /proc) over the load and',
    '  the audit indexing after it: the nodes\u2019 summed (a --workers service\u2019s processes, its supervisor included), PostgreSQL\u2019s server processes\u2019 (every backend, the WAL writer, the checkpointer,',
    '  autovacuum), and both together. × SQLite: throughput, then CPU per request with the database, over the SQLite node\u2019s.',
  ];
  if (c.databaseBackgroundMsPerSecond !== undefined) {
    lines.push(
      `  PostgreSQL's processes used ${c.databaseBackgroundMsPerSecond.toFixed(1)} ms of CPU a second while only the SQLite node was loaded ` +
        '(the idle PostgreSQL nodes\u2019 background work): a background every PostgreSQL figure carries.',
    );
  }
  for (const operation of STORE_OPERATIONS) {
    const aims = c.aim.filter((a) => a.operation === operation);
    if (aims.length === 0) continue;
    const nodesOnly = c.figures.filter((f) => f.operation === operation && !onSqlite(f.deployment)).map((f) => `${DEPLOYMENT_LABEL[f.deployment]} ${times(f.nodesCpuRatio)}`);
    lines.push(
      `  Aim (CPU per request on PostgreSQL, the database's included, within ${CPU_AIM}× of SQLite's), ${operation}: ` +
        aims.map((a) => `${DEPLOYMENT_LABEL[a.deployment]} ${times(a.cpuRatio)} ${a.met ? 'met' : 'NOT met'}`).join('; ') +
        ` (the nodes alone: ${nodesOnly.join('; ')})`,
    );
  }
  for (const r of c.measured.filter((x) => x.stoppedBy !== 'time')) {
    lines.push(`  note: ${r.operation} on ${DEPLOYMENT_LABEL[r.deployment]} (round ${r.round}) stopped by the ${r.stoppedBy}, not the clock`);
  }
  if (!c.valid) {
    lines.push('  !!! requests failed on the stores: these figures are NOT valid');
    for (const r of c.measured.filter((x) => x.errors + x.warmupErrors > 0)) {
      lines.push(`    ${r.operation} on ${DEPLOYMENT_LABEL[r.deployment]} (round ${r.round}): ${r.errors} errors measured, ${r.warmupErrors} in warm-up`);
      for (const k of r.errorKinds) lines.push(`      ${k.count} x ${k.what}`);
    }
  }
  return lines.join('\n') + '\n';
}
