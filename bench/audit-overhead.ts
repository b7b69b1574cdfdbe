import type { ScenarioResult } from './report.js';

// The audit trail's cost on a burst of cryptographic calls: the same Encrypt load on three
// Keywarden processes: recording every call as shipped (`--audit-sync os`, the default), with
// `--audit-sync disk`, and with `--audit off`. They are measured in short rounds in rotating order
// (on, off, disk, then off, disk, on, ...), and each round's recording sides are compared with the
// same round's `--audit off`, measured seconds apart: on a shared machine whose speed drifts by
// tens of percent over a minute, only such pairs say anything. The figures are the medians of the
// per-round comparisons. After each recording round the indexing that
// waited for the burst to end is done (and timed) before anything else is measured, so that it
// lands in no other round; its CPU is reported as what the trail costs a call in the end.

export type Side = 'on' | 'off' | 'disk';

/** A measured round, with the indexing done after it (recording sides only). */
export interface Round extends ScenarioResult {
  catchUp?: { ms: number; serverCpuMs: number | undefined };
}

export interface AuditSide {
  /** Medians over the rounds. */
  opsPerSecond: number;
  serverCpuUsPerOp: number | undefined;
  /** Server CPU per call including the indexing after the burst. */
  serverCpuUsPerOpWithIndexing: number | undefined;
  /** How long the indexing after a round took. */
  catchUpMs: number | undefined;
  p50Ms: number;
  p99Ms: number;
  /** Every round's ops/s, in the order measured. */
  rounds: number[];
}

export interface AuditOverhead {
  scenario: string;
  rounds: number;
  secondsPerRound: number;
  on: AuditSide;
  disk: AuditSide;
  off: AuditSide;
  /** How much slower the burst ran with the trail on: the median over rounds of 100 × (1 − on/off) of ops/s. */
  slowdownPercent: number;
  /** The same with --audit-sync disk. */
  diskSlowdownPercent: number;
  /** Extra server CPU per call (all threads of the server process) during the burst, in % (median over rounds). */
  cpuOverheadPercent: number | undefined;
  /** Extra server CPU per call counting the indexing done after the burst, in % (median over rounds). */
  cpuOverheadWithIndexingPercent: number | undefined;
  valid: boolean;
}

export function summarizeOverhead(scenario: string, secondsPerRound: number, rounds: Record<Side, Round[]>): AuditOverhead {
  const withIndexing = (r: Round) =>
    r.serverCpuUsPerOp === undefined || r.catchUp?.serverCpuMs === undefined ? r.serverCpuUsPerOp : r.serverCpuUsPerOp + (1000 * r.catchUp.serverCpuMs) / r.ok;
  const side = (runs: Round[]): AuditSide => {
    const cpu = runs.map((r) => r.serverCpuUsPerOp).filter((v): v is number => v !== undefined);
    const indexed = runs.map(withIndexing).filter((v): v is number => v !== undefined);
    const catchUps = runs.map((r) => r.catchUp?.ms).filter((v): v is number => v !== undefined);
    return {
      opsPerSecond: median(runs.map((r) => r.opsPerSecond)),
      serverCpuUsPerOp: cpu.length === runs.length ? median(cpu) : undefined,
      serverCpuUsPerOpWithIndexing: indexed.length === runs.length ? median(indexed) : undefined,
      catchUpMs: catchUps.length === runs.length ? median(catchUps) : undefined,
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      rounds: runs.map((r) => r.opsPerSecond),
    };
  };
  const on = side(rounds.on);
  const disk = side(rounds.disk);
  const off = side(rounds.off);
  /** The median over rounds of f(the recording side's round, the same round's audit-off round). */
  const paired = (runs: Round[], f: (r: Round, o: Round) => number | undefined): number | undefined => {
    const values = runs.map((r, i) => f(r, rounds.off[i]!));
    return values.every((v) => v !== undefined) ? median(values as number[]) : undefined;
  };
  const slower = (r: Round, o: Round) => 100 * (1 - r.opsPerSecond / o.opsPerSecond);
  const more = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : 100 * (a / b - 1));
  return {
    scenario,
    rounds: rounds.on.length,
    secondsPerRound,
    on,
    disk,
    off,
    slowdownPercent: paired(rounds.on, slower)!,
    diskSlowdownPercent: paired(rounds.disk, slower)!,
    cpuOverheadPercent: paired(rounds.on, (r, o) => more(r.serverCpuUsPerOp, o.serverCpuUsPerOp)),
    cpuOverheadWithIndexingPercent: paired(rounds.on, (r, o) => more(withIndexing(r), o.serverCpuUsPerOp)),
    valid: [...rounds.on, ...rounds.disk, ...rounds.off].every((r) => r.errors === 0 && r.warmupErrors === 0),
  };
}

export function formatOverhead(o: AuditOverhead): string {
  const us = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));
  const row = (label: string, s: AuditSide) =>
    `  ${label.padEnd(16)} ${s.opsPerSecond.toFixed(0).padStart(6)} ops/s   p50 ${s.p50Ms.toFixed(2)} ms   p99 ${s.p99Ms.toFixed(2)} ms   ` +
    `srv ${us(s.serverCpuUsPerOp)} µs/op` +
    (s.catchUpMs === undefined ? '' : ` (${us(s.serverCpuUsPerOpWithIndexing)} with indexing, ${s.catchUpMs.toFixed(0)} ms after the burst)`) +
    `   rounds ${Math.min(...s.rounds).toFixed(0)}–${Math.max(...s.rounds).toFixed(0)} ops/s`;
  const slower = (p: number) => (p >= 0 ? `${p.toFixed(1)}% slower` : `${(-p).toFixed(1)}% faster (noise)`);
  const signed = (p: number | undefined) => (p === undefined ? '-' : `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`);
  const lines = [
    '',
    `Audit trail on vs off: ${o.scenario}, ${o.rounds} rotating rounds of ${o.secondsPerRound} s per side (medians; each round compared with its own audit-off round)`,
    row('audit on (os)', o.on),
    row('audit on (disk)', o.disk),
    row('audit off', o.off),
    `  => with the audit trail on, the burst ran ${slower(o.slowdownPercent)} (--audit-sync disk: ${slower(o.diskSlowdownPercent)}); ` +
      `server CPU per call ${signed(o.cpuOverheadPercent)} during the burst, ${signed(o.cpuOverheadWithIndexingPercent)} counting the indexing after it`,
  ];
  if (!o.valid) lines.push('  !!! requests failed during the comparison: these figures are NOT valid');
  return lines.join('\n') + '\n';
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
