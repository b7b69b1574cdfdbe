import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { AuditOverhead } from './audit-overhead.js';
import { compareWithCeiling, formatCeiling, type CeilingRow, type Side } from './ceiling.js';
import type { BenchConfig } from './config.js';
import type { InProcessResult } from './in-process.js';
import type { LoadResult } from './load.js';
import { formatMemory, type Memory } from './memory.js';
import type { LatencySummary } from './stats.js';

export interface ScenarioResult extends LoadResult, LatencySummary {
  name: string;
  server: 'keywarden' | 'bare node:http' | 'floor node:http' | 'moto';
  target: string;
  requestBytes: number;
  /** Failures during the unmeasured warm-up still make the run invalid. */
  warmupErrors: number;
  /** Requests sent during the warm-up. */
  warmupRequests?: number;
  /** For the scenarios compared with the ceiling: the operation, which server or key, and the round. */
  operation?: string;
  side?: Side;
  /** How the side is shown (moto with its version). */
  sideLabel?: string;
  round?: number;
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
  /** The same once everything was measured. */
  loadAverageAfter?: number;
  config: BenchConfig;
  encryptResponseBytes: number;
  scenarios: ScenarioResult[];
  ceiling: { opsPerSecond: number; encryptFraction: number };
  /** Encrypt, Decrypt and GenerateDataKey on every server beside the ceiling, round by round. */
  ceilingRows?: CeilingRow[];
  /** Each cryptographic scenario beside its primitive called in-process; absent in reports of older runs. */
  inProcess?: InProcessComparison[];
  /** What the main Keywarden held once its scenarios were over, and after how much load. */
  memory?: { after: Memory; loadSeconds: number; requests: number };
  auditOverhead?: AuditOverhead;
  valid: boolean;
}

export interface InProcessComparison extends InProcessResult {
  keywardenOpsPerSecond: number;
  /** Keywarden's ops/s over the in-process ops/s. */
  fraction: number;
}

/** Pairs every in-process ceiling with the Keywarden scenario of the same name (the mean of its rounds, if it had several). */
export function compareInProcess(scenarios: ScenarioResult[], ceilings: InProcessResult[]): InProcessComparison[] {
  return ceilings.map((c) => {
    const kw = scenarios.filter((s) => s.server === 'keywarden' && s.name === c.scenario);
    if (kw.length === 0) throw new Error(`no Keywarden scenario named '${c.scenario}' for its in-process ceiling`);
    const opsPerSecond = kw.reduce((sum, s) => sum + s.opsPerSecond, 0) / kw.length;
    return { ...c, keywardenOpsPerSecond: opsPerSecond, fraction: opsPerSecond / c.opsPerSecond };
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
    ceilingRows: compareWithCeiling(scenarios),
    valid: scenarios.every((s) => s.errors === 0 && s.warmupErrors === 0),
  };
}

/** The human summary: a table, the ceiling comparison, and the p99 target check. */
export function formatReport(r: Report): string {
  const header = ['Scenario', 'Server', 'Rnd', 'Req B', 'Resp B', 'Requests', 'Errors', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'srv CPU', 'srv µs/op', 'gen CPU'];
  const rows = r.scenarios.map((s) => [
    s.name,
    s.server,
    s.round === undefined ? '' : String(s.round),
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
      (r.loadAverageAfter === undefined ? '' : `, after the last measurement: ${r.loadAverageAfter.toFixed(2)}`) +
      (Math.max(r.loadAverageBefore, r.loadAverageAfter ?? 0) >= 0.5 + r.cpus / 2 ? ' -- the machine was busy with other work; expect noisy figures' : ''),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'Rnd: interleaved round. Req B / Resp B: request body and mean answer body in bytes. srv CPU / gen CPU: CPU used by',
    'the server / the load generator while measuring, in % of one core; srv µs/op: server CPU time per successful request.',
  ];
  out.push(formatCeiling(r.ceilingRows ?? [], r.config.p99TargetMs));
  if (r.memory) {
    out.push(`Keywarden's memory after ${r.memory.loadSeconds.toFixed(0)} s of load (${r.memory.requests} requests): ${formatMemory(r.memory.after)} (goal: RSS at most 150 MB)`, '');
  }
  for (const c of r.inProcess ?? []) {
    out.push(
      `${c.scenario}: ${c.keywardenOpsPerSecond.toFixed(0)} ops/s = ${(c.fraction * 100).toFixed(0)}% of the same primitive in-process ` +
        `(${c.opsPerSecond.toFixed(0)} ops/s, ${c.primitive}, one thread)`,
    );
  }
  for (const s of r.scenarios.filter((x) => x.server === 'keywarden' && x.side === undefined)) {
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

export function writeJson(file: string, r: object): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
}
