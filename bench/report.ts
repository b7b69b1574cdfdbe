import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { BenchConfig } from './config.js';
import type { InProcessResult } from './in-process.js';
import type { LoadResult } from './load.js';
import type { LatencySummary } from './stats.js';

export interface ScenarioResult extends LoadResult, LatencySummary {
  name: string;
  server: 'keywarden' | 'bare node:http';
  target: string;
  requestBytes: number;
  /** Failures during the unmeasured warm-up still make the run invalid. */
  warmupErrors: number;
  /** Server process CPU during the measured phase, in % of one core; undefined without /proc. */
  serverCpuPercent: number | undefined;
  /** Server CPU time per successful request, in microseconds: Keywarden's cost, less sensitive to a busy machine than ops/s. */
  serverCpuUsPerOp: number | undefined;
  /** Load generator CPU during the measured phase, in % of one core. */
  clientCpuPercent: number;
}

export interface Report {
  generatedAt: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  /** 1-minute load average before the servers started: other work on the machine skews every figure. */
  loadAverageBefore: number;
  config: BenchConfig;
  encryptResponseBytes: number;
  scenarios: ScenarioResult[];
  ceiling: { opsPerSecond: number; encryptFraction: number };
  /** Each cryptographic scenario beside its primitive called in-process; absent in reports of older runs. */
  inProcess?: InProcessComparison[];
  valid: boolean;
}

export interface InProcessComparison extends InProcessResult {
  keywardenOpsPerSecond: number;
  /** Keywarden's ops/s over the in-process ops/s. */
  fraction: number;
}

/** Pairs every in-process ceiling with the Keywarden scenario of the same name. */
export function compareInProcess(scenarios: ScenarioResult[], ceilings: InProcessResult[]): InProcessComparison[] {
  return ceilings.map((c) => {
    const kw = scenarios.find((s) => s.server === 'keywarden' && s.name === c.scenario);
    if (!kw) throw new Error(`no Keywarden scenario named '${c.scenario}' for its in-process ceiling`);
    return { ...c, keywardenOpsPerSecond: kw.opsPerSecond, fraction: kw.opsPerSecond / c.opsPerSecond };
  });
}

/** Call before starting anything, so our own processes are not in it. */
export function machineLoad(): number {
  return loadavg()[0]!;
}

export function buildReport(
  config: BenchConfig,
  loadAverageBefore: number,
  scenarios: ScenarioResult[],
  encrypt: ScenarioResult,
  ceiling: ScenarioResult,
  encryptResponseBytes: number,
): Report {
  return {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageBefore,
    config,
    encryptResponseBytes,
    scenarios,
    ceiling: { opsPerSecond: ceiling.opsPerSecond, encryptFraction: encrypt.opsPerSecond / ceiling.opsPerSecond },
    valid: scenarios.every((s) => s.errors === 0 && s.warmupErrors === 0),
  };
}

/** The human summary: a table, the ceiling comparison, and the p99 target check. */
export function formatReport(r: Report): string {
  const header = ['Scenario', 'Server', 'Req B', 'Resp B', 'Requests', 'Errors', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'srv CPU', 'srv µs/op', 'gen CPU'];
  const rows = r.scenarios.map((s) => [
    s.name,
    s.server,
    String(s.requestBytes),
    s.meanResponseBytes.toFixed(0),
    String(s.ok),
    String(s.errors + s.warmupErrors),
    s.opsPerSecond.toFixed(0),
    ms(s.p50Ms),
    ms(s.p99Ms),
    ms(s.maxMs),
    pct(s.serverCpuPercent),
    s.serverCpuUsPerOp === undefined ? '-' : s.serverCpuUsPerOp.toFixed(0),
    pct(s.clientCpuPercent),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Text columns left-aligned, numbers right-aligned.
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `Keywarden bench: ${r.config.concurrency} closed-loop workers, ${r.config.seconds} s per scenario after ${r.config.warmupSeconds} s warm-up, ` +
      `${r.cpus} CPUs (${r.cpuModel}), Node ${r.node}`,
    `1-minute load average before starting: ${r.loadAverageBefore.toFixed(2)}` +
      (r.loadAverageBefore >= 0.5 ? ' -- the machine was busy with other work; expect noisy figures' : ''),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'Req B / Resp B: request body and mean answer body in bytes. srv CPU / gen CPU: CPU used by the server /',
    'the load generator while measuring, in % of one core; srv µs/op: server CPU time per successful request.',
    '',
  ];

  const encrypt = r.scenarios.find((s) => s.server === 'keywarden' && s.target.endsWith('.Encrypt'))!;
  out.push(
    `Encrypt: ${encrypt.opsPerSecond.toFixed(0)} ops/s = ${(r.ceiling.encryptFraction * 100).toFixed(0)}% of the bare Node HTTP ceiling ` +
      `(${r.ceiling.opsPerSecond.toFixed(0)} ops/s; identical signed request, ${r.encryptResponseBytes}-byte answer)`,
  );
  for (const c of r.inProcess ?? []) {
    out.push(
      `${c.scenario}: ${c.keywardenOpsPerSecond.toFixed(0)} ops/s = ${(c.fraction * 100).toFixed(0)}% of the same primitive in-process ` +
        `(${c.opsPerSecond.toFixed(0)} ops/s, ${c.primitive}, one thread)`,
    );
  }
  for (const s of r.scenarios.filter((x) => x.server === 'keywarden')) {
    const verdict = s.p99Ms <= r.config.p99TargetMs ? 'within' : 'OVER';
    out.push(`${s.name}: p99 ${ms(s.p99Ms)} ms, ${verdict} the ${r.config.p99TargetMs} ms target`);
  }
  for (const s of r.scenarios.filter((x) => x.stoppedBy !== 'time')) {
    out.push(`note: ${s.name} (${s.server}) stopped by the ${s.stoppedBy}, not the clock`);
  }
  if (!r.valid) out.push('', errorBanner(r));
  return out.join('\n') + '\n';
}

function errorBanner(r: Report): string {
  const lines = ['!!!!!!!!!! BENCH FAILED: requests answered with errors; the figures above are NOT valid !!!!!!!!!!'];
  for (const s of r.scenarios) {
    if (s.errors === 0 && s.warmupErrors === 0) continue;
    lines.push(`  ${s.name} (${s.server}): ${s.errors} errors measured, ${s.warmupErrors} in warm-up`);
    for (const k of s.errorKinds) lines.push(`    ${k.count} x ${k.what}`);
  }
  return lines.join('\n');
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2));
const pct = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(0)}%`);

export function writeJson(file: string, r: Report): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
}
