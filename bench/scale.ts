import { randomBytes } from 'node:crypto';
import { whole, type BenchConfig } from './config.js';
import { childCpuMs } from './cpu.js';
import { runLoad, type LoadClient } from './load.js';
import { measure } from './measure.js';
import { formatMemory, keywardenMemory, type Memory } from './memory.js';
import type { ScenarioResult } from './report.js';
import type { LatencyRecorder } from './stats.js';

// Does a call cost more once the service holds many keys and a long audit trail? One fresh
// Keywarden is measured with 10 keys, then filled through its API (CreateKey up to BENCH_KEYS
// keys, then small Encrypt calls until BENCH_AUDIT_RECORDS calls have been recorded) and measured
// again the same way: DescribeKey, Encrypt and ListKeys under load, and a walk through every page
// of ListKeys. Both fills are bounded by BENCH_SCALE_SECONDS as well as by their count.

const TARGET = 'TrentService';
export const SMALL_KEYS = 10;

export interface ScaleConfig {
  keys: number;
  auditRecords: number;
  /** Measured seconds of each load at each size. */
  measureSeconds: number;
  /** The most each fill may take. */
  fillSeconds: number;
}

export function readScaleConfig(env: NodeJS.ProcessEnv = process.env): ScaleConfig {
  return {
    keys: whole(env.BENCH_KEYS, 5_000, 'BENCH_KEYS', SMALL_KEYS + 1, 1_000_000),
    auditRecords: whole(env.BENCH_AUDIT_RECORDS, 50_000, 'BENCH_AUDIT_RECORDS', 1, 10_000_000),
    measureSeconds: whole(env.BENCH_SCALE_MEASURE_SECONDS, 3, 'BENCH_SCALE_MEASURE_SECONDS', 1, 600),
    fillSeconds: whole(env.BENCH_SCALE_SECONDS, 300, 'BENCH_SCALE_SECONDS', 1, 3600),
  };
}

/** One size's figures. */
export interface ScaleSide {
  keys: number;
  /** Calls recorded in the audit trail so far (every call the bench made to this server). */
  auditRecords: number;
  describeKey: ScenarioResult;
  encrypt: ScenarioResult;
  /** ListKeys' first page of 10 keys (pages as long as the small side has keys, so that both sides answer alike). */
  listFirstPage: ScenarioResult;
  /** ListKeys' page of 10 keys nine tenths of the way through (only when there is more than one page). */
  listDeepPage?: ScenarioResult;
  /** Every page of ListKeys with Limit 1000, one after another. */
  walk: { pages: number; keys: number; ms: number; slowestPageMs: number };
  memory: Memory;
}

export interface ScaleResult {
  config: ScaleConfig;
  createKey: { keys: number; seconds: number; keysPerSecond: number; p50Ms: number; p99Ms: number; serverCpuUsPerOp: number | undefined; stoppedBy: string };
  fill: { calls: number; seconds: number; opsPerSecond: number; stoppedBy: string };
  /** How long the indexing of the trail took once the fill ended, and its server CPU. */
  indexing: { ms: number; serverCpuMs: number | undefined };
  small: ScaleSide;
  large: ScaleSide;
  valid: boolean;
}

export interface ScaleServer {
  pid: number;
  url: string;
  kms: LoadClient;
  trail: LoadClient;
}

export async function measureScale(
  server: ScaleServer,
  config: BenchConfig,
  scale: ScaleConfig,
  recorder: LatencyRecorder,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<ScaleResult> {
  let calls = 0;
  const call = async <T>(op: string, input: unknown) => {
    calls++;
    return server.kms.call<T>(`${TARGET}.${op}`, input);
  };
  const ids: string[] = [];
  for (let i = 0; i < SMALL_KEYS; i++) ids.push((await call<{ KeyMetadata: { KeyId: string } }>('CreateKey', { Description: `scale ${i}` })).KeyMetadata.KeyId);
  const probeKey = ids[SMALL_KEYS >> 1]!;
  const perLoad = { ...config, seconds: scale.measureSeconds };

  // A fresh process runs its first seconds slower (the JIT, the caches): warmed before anything is measured.
  for (const [target, input] of [['DescribeKey', { KeyId: probeKey }], ['ListKeys', { Limit: SMALL_KEYS }]] as const) {
    const r = await runLoad(server.kms, `${TARGET}.${target}`, json(input), { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs: 1_500, signal });
    calls += r.ok + r.errors;
  }

  const side = async (keys: number): Promise<ScaleSide> => {
    // Each load starts with the trail indexed and counts the indexing of its own records: a load
    // would otherwise pay for a backlog its predecessor left, or not, as the indexer's deferral of
    // bursts happened to fall, and the two sides would not compare.
    const load = async (name: string, target: string, input: unknown) => {
      await settle(server);
      const r = await measure({ name, server: 'keywarden', serverPid: server.pid, client: server.kms, target: `${TARGET}.${target}`, body: json(input) }, perLoad, recorder, signal);
      const recorded = r.ok + r.errors + (r.warmupRequests ?? 0);
      calls += recorded;
      return withIndexing(r, (await settle(server)).serverCpuMs, recorded);
    };
    progress(`  with ${keys} keys: DescribeKey, Encrypt and ListKeys, ${scale.measureSeconds} s each ...`);
    const describeKey = await load(`DescribeKey, ${keys} keys`, 'DescribeKey', { KeyId: probeKey });
    const encrypt = await load(`Encrypt 4 KiB, ${keys} keys`, 'Encrypt', { KeyId: probeKey, Plaintext: randomBytes(config.plaintextBytes).toString('base64') });
    const listFirstPage = await load(`ListKeys first page, ${keys} keys`, 'ListKeys', { Limit: SMALL_KEYS });
    const walk = { pages: 0, keys: 0, ms: 0, slowestPageMs: 0 };
    const markers: string[] = [];
    let marker: string | undefined;
    const started = performance.now();
    do {
      const t0 = performance.now();
      const page = await call<{ Keys: unknown[]; NextMarker?: string; Truncated: boolean }>('ListKeys', { Limit: 1000, ...(marker ? { Marker: marker } : {}) });
      walk.slowestPageMs = Math.max(walk.slowestPageMs, performance.now() - t0);
      walk.pages++;
      walk.keys += page.Keys.length;
      marker = page.Truncated ? page.NextMarker : undefined;
      if (marker) markers.push(marker);
    } while (marker && !signal.aborted);
    walk.ms = performance.now() - started;
    const s: ScaleSide = { keys, auditRecords: calls, describeKey, encrypt, listFirstPage, walk, memory: await keywardenMemory(server.pid, server.url) };
    if (markers.length > 0) {
      const deep = markers[Math.floor(markers.length * 0.9)]!;
      s.listDeepPage = await load(`ListKeys page at 90%, ${keys} keys`, 'ListKeys', { Limit: SMALL_KEYS, Marker: deep });
    }
    return s;
  };

  const small = await side(SMALL_KEYS);

  progress(`  creating keys up to ${scale.keys} (at most ${scale.fillSeconds} s) ...`);
  recorder.reset();
  const cpuBefore = childCpuMs(server.pid);
  const created = await runLoad(server.kms, `${TARGET}.CreateKey`, json({ Description: 'scale' }), {
    concurrency: config.concurrency,
    maxRequests: scale.keys - SMALL_KEYS,
    durationMs: scale.fillSeconds * 1000,
    recorder,
    signal,
  });
  const cpuAfter = childCpuMs(server.pid);
  calls += created.ok + created.errors;
  const createdLatency = recorder.summary();
  const keys = SMALL_KEYS + created.ok;

  const fillCalls = Math.max(0, scale.auditRecords - calls);
  progress(`  recording ${fillCalls} more calls (small Encrypts) for ${scale.auditRecords} audit records (at most ${scale.fillSeconds} s) ...`);
  const fill = fillCalls === 0
    ? { ok: 0, errors: 0, elapsedSeconds: 0, opsPerSecond: 0, stoppedBy: 'request cap' }
    : await runLoad(server.kms, `${TARGET}.Encrypt`, json({ KeyId: probeKey, Plaintext: randomBytes(16).toString('base64') }), {
        concurrency: config.concurrency,
        maxRequests: fillCalls,
        durationMs: scale.fillSeconds * 1000,
        signal,
      });
  calls += fill.ok + fill.errors;
  const indexing = await settle(server);
  progress(`  indexing after the fill: ${indexing.ms.toFixed(0)} ms`);
  const large = await side(keys);

  const sides = [small, large];
  const loads = sides.flatMap((s) => [s.describeKey, s.encrypt, s.listFirstPage, ...(s.listDeepPage ? [s.listDeepPage] : [])]);
  return {
    config: scale,
    createKey: {
      keys: created.ok,
      seconds: created.elapsedSeconds,
      keysPerSecond: created.opsPerSecond,
      p50Ms: createdLatency.p50Ms,
      p99Ms: createdLatency.p99Ms,
      serverCpuUsPerOp: cpuBefore === undefined || cpuAfter === undefined || created.ok === 0 ? undefined : (1000 * (cpuAfter - cpuBefore)) / created.ok,
      stoppedBy: created.stoppedBy,
    },
    fill: { calls: fill.ok, seconds: fill.elapsedSeconds, opsPerSecond: fill.opsPerSecond, stoppedBy: fill.stoppedBy },
    indexing,
    small,
    large,
    valid: created.errors === 0 && fill.errors === 0 && loads.every((r) => r.errors === 0 && r.warmupErrors === 0),
  };
}

/** A LookupEvents call: the trail indexes everything recorded so far before it answers. */
export async function settle(server: { pid: number; trail: LoadClient }): Promise<{ ms: number; serverCpuMs: number | undefined }> {
  const before = childCpuMs(server.pid);
  const t0 = process.hrtime.bigint();
  await server.trail.call('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents', { MaxResults: 1 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = childCpuMs(server.pid);
  return { ms, serverCpuMs: before === undefined || after === undefined ? undefined : after - before };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A load's CPU per call with its share of the indexing after it (`indexingMs` for `recorded` records, warm-up included). */
export function withIndexing(r: ScenarioResult, indexingMs: number | undefined, recorded: number): ScenarioResult {
  const perCall = r.serverCpuUsPerOp === undefined || indexingMs === undefined || recorded === 0 ? undefined : r.serverCpuUsPerOp + (1000 * indexingMs) / recorded;
  return { ...r, serverCpuUsPerOp: perCall };
}

export function formatScale(r: ScaleResult): string {
  const { small, large } = r;
  const ms = (v: number) => v.toFixed(2);
  const times = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}×`);
  const row = (label: string, a: ScenarioResult, b: ScenarioResult | undefined) =>
    `  ${label.padEnd(22)} ${ms(a.p50Ms).padStart(7)} / ${ms(a.p99Ms).padStart(7)} ms  ${fmtUs(a.serverCpuUsPerOp).padStart(5)} µs/op   ` +
    (b
      ? `${ms(b.p50Ms).padStart(7)} / ${ms(b.p99Ms).padStart(7)} ms  ${fmtUs(b.serverCpuUsPerOp).padStart(5)} µs/op   p50 ${times(b.p50Ms, a.p50Ms)}, CPU ${times(b.serverCpuUsPerOp, a.serverCpuUsPerOp)}`
      : '-');
  const undersized = large.keys < r.config.keys || large.auditRecords < r.config.auditRecords;
  const lines = [
    '',
    `Data scale: ${SMALL_KEYS} keys vs ${large.keys} keys and ${large.auditRecords} recorded calls ` +
      `(asked: BENCH_KEYS=${r.config.keys}, BENCH_AUDIT_RECORDS=${r.config.auditRecords}; the issue's scale is 100000 keys and 1000000 records)` +
      (undersized ? ' -- the fill stopped early (time bound)' : ''),
    `  CreateKey: ${r.createKey.keys} keys in ${r.createKey.seconds.toFixed(1)} s = ${r.createKey.keysPerSecond.toFixed(0)} keys/s ` +
      `(p50 ${ms(r.createKey.p50Ms)} ms, p99 ${ms(r.createKey.p99Ms)} ms, srv ${fmtUs(r.createKey.serverCpuUsPerOp)} µs/key)`,
    `  filling the trail: ${r.fill.calls} Encrypt calls at ${r.fill.opsPerSecond.toFixed(0)} ops/s; indexing them afterwards took ${r.indexing.ms.toFixed(0)} ms`,
    `  ${''.padEnd(22)} ${`with ${small.keys} keys: p50 / p99`.padEnd(34)} ${`with ${large.keys} keys: p50 / p99`.padEnd(34)} large vs small (µs/op: server CPU, the indexing of the calls' records included)`,
    row('DescribeKey', small.describeKey, large.describeKey),
    row('Encrypt 4 KiB', small.encrypt, large.encrypt),
    row('ListKeys, first 10', small.listFirstPage, large.listFirstPage),
    row('ListKeys, 10 at 90%', small.listFirstPage, large.listDeepPage),
    `  ListKeys, every page of 1000: ${small.walk.pages} page(s) in ${small.walk.ms.toFixed(0)} ms with ${small.keys} keys; ` +
      `${large.walk.pages} pages (${large.walk.keys} keys) in ${large.walk.ms.toFixed(0)} ms, the slowest ${large.walk.slowestPageMs.toFixed(1)} ms, with ${large.keys}`,
    `  memory: ${formatMemory(small.memory)} with ${small.keys} keys; ${formatMemory(large.memory)} with ${large.keys} keys (goal: RSS at most 150 MB)`,
  ];
  if (!r.valid) lines.push('  !!! requests failed during the data-scale runs: these figures are NOT valid');
  return lines.join('\n') + '\n';
}

const fmtUs = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));
