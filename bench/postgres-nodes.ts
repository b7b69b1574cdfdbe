import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { postgresBinDir, startPostgres, type StartedPostgres } from '../test/support/postgres.js';
import type { BenchConfig } from './config.js';
import { treeCpuMs } from './cpu.js';
import { runLoad, type LoadClient } from './load.js';
import type { KeywardenChild, KeywardenStart } from './servers.js';
import type { LatencyRecorder } from './stats.js';
import { STORE_OPERATIONS, summarizeStores, type Deployment, type StoreComparison, type StoreOperation, type StoreRound } from './store-comparison.js';

// The three deployments of store-comparison.ts, each started once and measured in interleaved
// rounds (the order rotating from round to round), so that a machine whose speed drifts weighs on
// all of them alike. PostgreSQL is a throwaway server of the bench's own, started as the tests
// start theirs (initdb in a temporary directory, a free loopback port) but with PostgreSQL's own
// durability settings, as a deployment runs it: a commit waits for its WAL on disk, as SQLite's
// synchronous=FULL waits for its own.

const TARGET = 'TrentService';
const TRAIL = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

export interface StoresSetup {
  config: BenchConfig;
  recorder: LatencyRecorder;
  signal: AbortSignal;
  /** Starts Keywarden as the bench does, and has the bench stop it if the run is interrupted. */
  start(start: KeywardenStart): Promise<KeywardenChild>;
  /** Stops a server start() started. */
  stop(child: KeywardenChild): Promise<void>;
  /** A signing client for one server (closed by the bench). */
  client(url: string, service?: string): LoadClient;
  progress(line: string): void;
}

interface Side {
  deployment: Deployment;
  nodes: KeywardenChild[];
  kms: LoadClient[];
  trails: LoadClient[];
  bodies: Record<StoreOperation, Buffer>;
}

/** Why the comparison cannot run here, or undefined if it can. */
export function storesUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BENCH_POSTGRES === 'off') return 'left out (BENCH_POSTGRES=off)';
  try {
    postgresBinDir();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function benchStores(setup: StoresSetup): Promise<StoreComparison> {
  const { config, progress } = setup;
  const bin = postgresBinDir();
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim().replace(/^postgres \(PostgreSQL\)\s*/, '');
  progress(`stores: a throwaway PostgreSQL ${version} (initdb in a temporary directory, a loopback port, fsync and synchronous_commit on) ...`);
  const pg: StartedPostgres = await startPostgres({ durable: true });
  const sides: Side[] = [];
  try {
    const plaintext = randomBytes(config.plaintextBytes).toString('base64');
    const side = async (deployment: Deployment, starts: KeywardenStart[]): Promise<void> => {
      const s: Side = { deployment, nodes: [], kms: [], trails: [], bodies: { Encrypt: EMPTY, CreateKey: EMPTY } };
      sides.push(s);
      // One after the other, as test/e2e/two-nodes starts them: the first node lays out the schema.
      for (const start of starts) {
        const node = await setup.start(start);
        s.nodes.push(node);
        s.kms.push(setup.client(node.url));
        s.trails.push(setup.client(node.url, 'cloudtrail'));
      }
      const keyId = (await s.kms[0]!.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: `keywarden bench, ${deployment}` })).KeyMetadata.KeyId;
      s.bodies = { Encrypt: json({ KeyId: keyId, Plaintext: plaintext }), CreateKey: json({ Description: `keywarden bench, ${deployment}` }) };
    };
    const onPostgres = async (nodes: number): Promise<KeywardenStart[]> => {
      const store = await pg.createDatabase();
      // Every node of one database needs the same root key.
      const env = { KEYWARDEN_ROOT_KEY: randomBytes(32).toString('hex') };
      return Array.from({ length: nodes }, () => ({ args: ['--store', store], env }));
    };
    progress('stores: one node on SQLite, two worker processes on SQLite, one node on PostgreSQL, two nodes on another PostgreSQL database ...');
    await side('sqlite', [{}]);
    await side('sqlite-workers-2', [{ args: ['--workers', '2'] }]);
    await side('postgres', await onPostgres(1));
    await side('postgres-2', await onPostgres(2));

    const measured: StoreRound[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      for (const operation of STORE_OPERATIONS) {
        for (let i = 0; i < sides.length; i++) {
          const s = sides[(i + round - 1) % sides.length]!;
          progress(`stores: ${operation} on ${s.deployment} (round ${round}): ${config.warmupSeconds} s warm-up, ${config.seconds} s measured ...`);
          measured.push(await measureSide(setup, s, operation, round, pg.pid));
          if (setup.signal.aborted) throw new Error('interrupted');
        }
      }
    }
    return summarizeStores({ postgresVersion: version, seconds: config.seconds, concurrency: config.concurrency, plaintextBytes: config.plaintextBytes }, measured);
  } finally {
    for (const s of sides) for (const n of s.nodes) await setup.stop(n);
    await pg.stop();
  }
}

/** A warm-up, the indexing it left, then the measured load and the indexing that load left, with the CPU of the window. */
async function measureSide(setup: StoresSetup, s: Side, operation: StoreOperation, round: number, postmaster: number): Promise<StoreRound> {
  const { config, recorder, signal } = setup;
  const target = `${TARGET}.${operation}`;
  const body = s.bodies[operation];
  const common = { concurrency: config.concurrency, maxRequests: config.maxRequests, signal };
  const warm = config.warmupSeconds > 0 ? await runLoad(s.kms, target, body, { ...common, durationMs: config.warmupSeconds * 1000 }) : undefined;
  await settle(s);
  recorder.reset();
  const nodesBefore = nodesCpu(s);
  const databaseBefore = treeCpuMs(postmaster);
  const t0 = process.hrtime.bigint();
  const run = await runLoad(s.kms, target, body, { ...common, durationMs: config.seconds * 1000, recorder });
  // The SQLite node indexes its audit records after the burst, off the answering thread: a cost of
  // these requests as much as PostgreSQL's index updates inside each commit are, so it is counted.
  await settle(s);
  const windowSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const nodesAfter = nodesCpu(s);
  const databaseAfter = treeCpuMs(postmaster);
  return {
    deployment: s.deployment,
    operation,
    round,
    ok: run.ok,
    errors: run.errors,
    warmupErrors: warm?.errors ?? 0,
    errorKinds: [...(warm?.errorKinds ?? []).map((k) => ({ ...k, what: `(warm-up) ${k.what}` })), ...run.errorKinds],
    elapsedSeconds: run.elapsedSeconds,
    opsPerSecond: run.opsPerSecond,
    stoppedBy: run.stoppedBy,
    ...recorder.summary(),
    nodesCpuMs: nodesBefore === undefined || nodesAfter === undefined ? undefined : nodesAfter - nodesBefore,
    databaseCpuMs: databaseBefore === undefined || databaseAfter === undefined ? undefined : databaseAfter - databaseBefore,
    windowSeconds,
  };
}

/** The nodes' CPU summed, each with its worker processes (serve --workers); undefined if one cannot be read. */
function nodesCpu(s: Side): number | undefined {
  let sum = 0;
  for (const n of s.nodes) {
    const ms = treeCpuMs(n.pid);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
}

/** A LookupEvents on every node: each answers once its audit trail has indexed everything recorded so far. */
async function settle(s: Side): Promise<void> {
  for (const trail of s.trails) await trail.call(TRAIL, { MaxResults: 1 });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const EMPTY = Buffer.alloc(0);
