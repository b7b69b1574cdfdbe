import type { ScenarioResult } from './report.js';

// The audit trail's cost on a burst of cryptographic calls: the same Encrypt load on two Keywarden
// processes, one recording every call (the default) and one started with `--audit off`. The two
// are measured in alternating rounds (on/off, then off/on, ...) so that drift in what else the
// machine is doing falls on both sides alike; the figures compared are the medians of the rounds.

export interface AuditSide {
  /** Median over the rounds. */
  opsPerSecond: number;
  serverCpuUsPerOp: number | undefined;
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
  off: AuditSide;
  /** How much slower the burst ran with the trail on: 100 × (1 − on/off) of the median ops/s. */
  slowdownPercent: number;
  /** Extra server CPU per call with the trail on (all threads of the server process), in %. */
  cpuOverheadPercent: number | undefined;
  valid: boolean;
}

export function summarizeOverhead(scenario: string, secondsPerRound: number, on: ScenarioResult[], off: ScenarioResult[]): AuditOverhead {
  const side = (runs: ScenarioResult[]): AuditSide => {
    const cpu = runs.map((r) => r.serverCpuUsPerOp).filter((v): v is number => v !== undefined);
    return {
      opsPerSecond: median(runs.map((r) => r.opsPerSecond)),
      serverCpuUsPerOp: cpu.length === runs.length ? median(cpu) : undefined,
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      rounds: runs.map((r) => r.opsPerSecond),
    };
  };
  const a = side(on);
  const b = side(off);
  return {
    scenario,
    rounds: on.length,
    secondsPerRound,
    on: a,
    off: b,
    slowdownPercent: 100 * (1 - a.opsPerSecond / b.opsPerSecond),
    cpuOverheadPercent:
      a.serverCpuUsPerOp === undefined || b.serverCpuUsPerOp === undefined ? undefined : 100 * (a.serverCpuUsPerOp / b.serverCpuUsPerOp - 1),
    valid: [...on, ...off].every((r) => r.errors === 0 && r.warmupErrors === 0),
  };
}

export function formatOverhead(o: AuditOverhead): string {
  const row = (label: string, s: AuditSide) =>
    `  audit ${label.padEnd(4)} ${s.opsPerSecond.toFixed(0).padStart(6)} ops/s   p50 ${s.p50Ms.toFixed(2)} ms   p99 ${s.p99Ms.toFixed(2)} ms   ` +
    `srv ${s.serverCpuUsPerOp === undefined ? '-' : s.serverCpuUsPerOp.toFixed(0)} µs/op   rounds: ${s.rounds.map((v) => v.toFixed(0)).join(', ')}`;
  const lines = [
    '',
    `Audit trail on vs off: ${o.scenario}, ${o.rounds} alternating rounds of ${o.secondsPerRound} s per side (medians)`,
    row('on', o.on),
    row('off', o.off),
    `  => with the audit trail on, the burst ran ${o.slowdownPercent >= 0 ? `${o.slowdownPercent.toFixed(1)}% slower` : `${(-o.slowdownPercent).toFixed(1)}% faster (noise)`}` +
      (o.cpuOverheadPercent === undefined ? '' : `; server CPU per call ${o.cpuOverheadPercent >= 0 ? '+' : ''}${o.cpuOverheadPercent.toFixed(1)}%`),
  ];
  if (!o.valid) lines.push('  !!! requests failed during the comparison: these figures are NOT valid');
  return lines.join('\n') + '\n';
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
