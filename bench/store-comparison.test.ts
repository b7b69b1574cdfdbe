import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStores, summarizeStores, type Deployment, type StoreOperation, type StoreRound } from './store-comparison.js';

const context = { postgresVersion: '15.18', seconds: 1, concurrency: 16, plaintextBytes: 4096 };

function round(deployment: Deployment, operation: StoreOperation, n: number, ok: number, nodesCpuMs: number, databaseCpuMs: number): StoreRound {
  return {
    deployment,
    operation,
    round: n,
    ok,
    errors: 0,
    warmupErrors: 0,
    errorKinds: [],
    elapsedSeconds: 1,
    opsPerSecond: ok,
    stoppedBy: 'time',
    p50Ms: 2,
    p99Ms: n === 1 ? 8 : 11,
    maxMs: 20,
    meanMs: 3,
    nodesCpuMs,
    databaseCpuMs,
    windowSeconds: 1.25,
  };
}

describe('the comparison of SQLite and PostgreSQL', () => {
  // Two rounds each. SQLite: 3,000 Encrypts for 600 ms of node CPU = 200 µs a request (its
  // database column is PostgreSQL's background while SQLite was loaded: 5 ms over 2.5 s).
  // PostgreSQL, 1 node: 2,000 for 500 ms (250 µs) in the node and 100 ms (50 µs) in the database,
  // 300 µs together, 1.5× SQLite's: met, at the bound. Two nodes: 340 µs, 1.7×: not met.
  const measured = [
    round('sqlite', 'Encrypt', 1, 2_000, 400, 3),
    round('postgres', 'Encrypt', 1, 1_200, 300, 60),
    round('postgres-2', 'Encrypt', 1, 1_000, 300, 40),
    round('sqlite', 'Encrypt', 2, 1_000, 200, 2),
    round('postgres', 'Encrypt', 2, 800, 200, 40),
    round('postgres-2', 'Encrypt', 2, 1_000, 300, 40),
    round('sqlite', 'CreateKey', 1, 500, 500, 0),
    round('postgres', 'CreateKey', 1, 1_000, 600, 300),
    round('postgres-2', 'CreateKey', 1, 900, 1_000, 440),
    round('sqlite-workers-2', 'Encrypt', 1, 2_400, 720, 3),
  ];
  const c = summarizeStores(context, measured);
  const figure = (d: Deployment, op: StoreOperation) => c.figures.find((f) => f.deployment === d && f.operation === op)!;

  it('adds up every round before dividing, and puts the database beside the nodes and in the total', () => {
    const sqlite = figure('sqlite', 'Encrypt');
    assert.equal(sqlite.opsPerSecond, 1_500);
    assert.deepEqual(sqlite.rounds, [2_000, 1_000]);
    assert.equal(sqlite.nodesUsPerRequest, 200);
    assert.equal(sqlite.databaseUsPerRequest, undefined, 'SQLite has no database server');
    assert.equal(sqlite.withDatabaseUsPerRequest, 200);
    assert.equal(sqlite.p99Ms, 11, 'the worst round');
    const pg = figure('postgres', 'Encrypt');
    assert.equal(pg.nodesUsPerRequest, 250);
    assert.equal(pg.databaseUsPerRequest, 50);
    assert.equal(pg.withDatabaseUsPerRequest, 300);
    assert.equal(pg.throughputRatio, 1_000 / 1_500);
    assert.equal(pg.cpuRatio, 1.5);
    assert.equal(pg.nodesCpuRatio, 1.25);
    assert.equal(figure('postgres-2', 'Encrypt').withDatabaseUsPerRequest, 340);
    // Two workers on SQLite: their store is in their processes, as one node's is.
    const workers = figure('sqlite-workers-2', 'Encrypt');
    assert.equal(workers.databaseUsPerRequest, undefined);
    assert.equal(workers.withDatabaseUsPerRequest, 300);
    assert.equal(workers.throughputRatio, 1.6);
  });

  it('judges the aim on CPU with the database, 1.5× SQLite\u2019s at most, and says which deployments miss it', () => {
    const aim = (d: Deployment, op: StoreOperation) => c.aim.find((a) => a.deployment === d && a.operation === op)!;
    assert.equal(aim('postgres', 'Encrypt').met, true);
    assert.equal(aim('postgres-2', 'Encrypt').met, false);
    assert.ok(Math.abs(aim('postgres-2', 'Encrypt').cpuRatio! - 1.7) < 1e-9);
    // CreateKey: 900 µs (600 + 300) and 1,600 µs (1,111 + 489) against SQLite's 1,000.
    assert.equal(aim('postgres', 'CreateKey').met, true);
    assert.equal(aim('postgres-2', 'CreateKey').met, false);
    assert.equal(c.aim.some((a) => a.deployment === 'sqlite' || a.deployment === 'sqlite-workers-2'), false);
    const text = formatStores(c);
    assert.match(text, /Encrypt: PostgreSQL, 1 node 1\.50× met; PostgreSQL, 2 nodes 1\.70× NOT met \(the nodes alone: PostgreSQL, 1 node 1\.25×; PostgreSQL, 2 nodes 1\.50×\)/);
    assert.match(text, /CreateKey: PostgreSQL, 1 node 0\.90× met; PostgreSQL, 2 nodes 1\.60× NOT met/);
    assert.match(text, /SQLite, 1 node\s+1500\s+2000 \/ 1000\s+1\.00×\s+11\.0\s+200\s+-\s+200\s+1\.00×/);
    assert.equal(c.valid, true);
    assert.doesNotMatch(text, /NOT valid/);
  });

  it('reports PostgreSQL\u2019s CPU while only SQLite was loaded as the background of its figures', () => {
    // 5 ms over three windows of 1.25 s.
    assert.ok(Math.abs(c.databaseBackgroundMsPerSecond! - 5 / 3.75) < 1e-9);
  });

  it('leaves out a CPU figure it could not read, rather than counting it as nothing', () => {
    const unread = summarizeStores(context, [round('sqlite', 'Encrypt', 1, 1_000, 200, 0), { ...round('postgres', 'Encrypt', 1, 1_000, 200, 0), databaseCpuMs: undefined }]);
    const pg = unread.figures.find((f) => f.deployment === 'postgres')!;
    assert.equal(pg.databaseUsPerRequest, undefined);
    assert.equal(pg.withDatabaseUsPerRequest, undefined);
    assert.equal(unread.aim[0]!.met, false);
  });

  it('marks the figures invalid when a request failed, and lists the failures', () => {
    const failed = { ...round('postgres-2', 'CreateKey', 1, 900, 900, 450), errors: 2, errorKinds: [{ what: 'HTTP 500: {"__type":"KMSInternalException"}', count: 2 }] };
    const bad = summarizeStores(context, [round('sqlite', 'CreateKey', 1, 500, 500, 0), failed]);
    assert.equal(bad.valid, false);
    assert.match(formatStores(bad), /NOT valid[\s\S]*CreateKey on PostgreSQL, 2 nodes \(round 1\): 2 errors measured[\s\S]*2 x HTTP 500/);
  });
});
