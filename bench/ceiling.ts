import type { ScenarioResult } from './report.js';

// Encrypt, Decrypt and GenerateDataKey on every server beside the bare Node HTTP ceiling, in
// interleaved rounds: each round measures the ceiling and then every server for one operation,
// so that each ratio compares figures taken seconds apart. This machine's speed drifts by tens of
// percent over a minute (other work shares its two cores); ratios within a round survive that,
// absolute figures do not.
//
// The floor (floor-server.ts) sits between the two: the same node:http server doing only the work
// the operation itself needs (SigV4, JSON, base64, AES-GCM). What it costs above the ceiling, any
// server that answers the call pays; what Keywarden costs above the floor is Keywarden's own.

export type Side = 'ceiling' | 'floor' | 'service key' | 'custom-key-store key' | 'moto';
export const SIDES: readonly Side[] = ['ceiling', 'floor', 'service key', 'custom-key-store key', 'moto'];

export interface RoundFigures {
  round: number;
  opsPerSecond: number;
  p99Ms: number;
  serverCpuUsPerOp: number | undefined;
  /** ops/s over the same round's ceiling's. */
  ofCeiling: number;
  /** Server CPU per request over the same round's ceiling's. */
  cpuTimesCeiling: number | undefined;
}

export interface CeilingRow {
  operation: string;
  side: Side;
  label: string;
  rounds: RoundFigures[];
}

/** The goals of the issue these figures answer. */
export const GOALS = { ofCeiling: 0.8, cpuTimesCeiling: 2, storeTimesService: 1.3 };

/** One row per operation and side, its rounds in order; scenarios without an operation and side are left out. */
export function compareWithCeiling(scenarios: ScenarioResult[]): CeilingRow[] {
  const rows: CeilingRow[] = [];
  const compared = scenarios.filter((s) => s.operation !== undefined && s.side !== undefined && s.round !== undefined);
  for (const operation of [...new Set(compared.map((s) => s.operation!))]) {
    for (const side of SIDES) {
      const runs = compared.filter((s) => s.operation === operation && s.side === side);
      if (runs.length === 0) continue;
      const rounds = runs.map((r): RoundFigures => {
        const ceiling = compared.find((c) => c.operation === operation && c.side === 'ceiling' && c.round === r.round);
        if (!ceiling) throw new Error(`no ceiling for ${operation} in round ${r.round}`);
        const cpu = r.serverCpuUsPerOp !== undefined && ceiling.serverCpuUsPerOp ? r.serverCpuUsPerOp / ceiling.serverCpuUsPerOp : undefined;
        return { round: r.round!, opsPerSecond: r.opsPerSecond, p99Ms: r.p99Ms, serverCpuUsPerOp: r.serverCpuUsPerOp, ofCeiling: r.opsPerSecond / ceiling.opsPerSecond, cpuTimesCeiling: cpu };
      });
      rows.push({ operation, side, label: runs[0]!.sideLabel ?? side, rounds });
    }
  }
  return rows;
}

/** How side `side` compares with side `base` for one operation, round by round: > 1 is slower. */
export function versus(rows: CeilingRow[], operation: string, side: Side, base: Side): { slower: number[]; cpu: (number | undefined)[] } | undefined {
  const baseRow = rows.find((r) => r.operation === operation && r.side === base);
  const row = rows.find((r) => r.operation === operation && r.side === side);
  if (!baseRow || !row) return undefined;
  const pairs = row.rounds.map((s) => [s, baseRow.rounds.find((v) => v.round === s.round)] as const).filter(([, v]) => v !== undefined);
  return {
    slower: pairs.map(([s, v]) => v!.opsPerSecond / s.opsPerSecond),
    cpu: pairs.map(([s, v]) => (s.serverCpuUsPerOp !== undefined && v!.serverCpuUsPerOp ? s.serverCpuUsPerOp / v!.serverCpuUsPerOp : undefined)),
  };
}

/** How a custom-key-store key compares with a service key, round by round: > 1 is slower. */
export const storeVersusService = (rows: CeilingRow[], operation: string) => versus(rows, operation, 'custom-key-store key', 'service key');

export function formatCeiling(rows: CeilingRow[], p99TargetMs: number): string {
  if (rows.length === 0) return '';
  const slash = (values: string[]) => values.join(' / ');
  const times = (values: (number | undefined)[]) => slash(values.map((x) => (x === undefined ? '-' : `${x.toFixed(2)}×`)));
  const header = ['Operation', 'Server', 'ops/s', 'of ceiling', 'p99 ms', 'srv µs/op', 'CPU/op vs ceiling'];
  const table = rows.map((r, i) => [
    i > 0 && rows[i - 1]!.operation === r.operation ? '' : r.operation,
    r.label,
    slash(r.rounds.map((x) => x.opsPerSecond.toFixed(0))),
    r.side === 'ceiling' ? '' : slash(r.rounds.map((x) => percent(x.ofCeiling))),
    slash(r.rounds.map((x) => x.p99Ms.toFixed(1))),
    slash(r.rounds.map((x) => (x.serverCpuUsPerOp === undefined ? '-' : x.serverCpuUsPerOp.toFixed(0)))),
    r.side === 'ceiling' ? '' : slash(r.rounds.map((x) => (x.cpuTimesCeiling === undefined ? '-' : `${x.cpuTimesCeiling.toFixed(1)}×`))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rounds = Math.max(...rows.map((r) => r.rounds.length));
  const out = [
    '',
    `Against the bare Node HTTP ceiling, ${rounds} interleaved round${rounds === 1 ? '' : 's'} (round 1 / round 2 …; every ratio is within its round):`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.map(line),
    '',
  ];
  for (const r of rows.filter((x) => x.side === 'floor' || x.side === 'service key' || x.side === 'custom-key-store key')) {
    const worst = (f: (x: RoundFigures) => number | undefined, best: 'min' | 'max') => {
      const v = r.rounds.map(f).filter((x): x is number => x !== undefined);
      return v.length === 0 ? undefined : best === 'min' ? Math.min(...v) : Math.max(...v);
    };
    const of = worst((x) => x.ofCeiling, 'min')!;
    const cpu = worst((x) => x.cpuTimesCeiling, 'max');
    const p99 = worst((x) => x.p99Ms, 'max')!;
    const cpuText = cpu === undefined ? '-' : `${cpu.toFixed(1)}×`;
    if (r.side === 'floor') {
      // Not held to the goals: it shows what they ask of any server that does the call's work.
      const standing = (met: boolean) => (met ? 'within' : 'outside');
      out.push(
        `${r.operation}, the floor (the call's work and nothing else): ${percent(of)} of the ceiling at worst, CPU per request ${cpuText} the ceiling's, p99 ${p99.toFixed(1)} ms: ` +
          `${standing(of >= GOALS.ofCeiling)} the ${percent(GOALS.ofCeiling)} goal, ${standing(cpu !== undefined && cpu <= GOALS.cpuTimesCeiling)} the ${GOALS.cpuTimesCeiling}× goal, ${standing(p99 <= p99TargetMs)} the ${p99TargetMs} ms goal`,
      );
      continue;
    }
    out.push(
      `${r.operation}, ${r.label}: ${percent(of)} of the ceiling at worst (goal ${percent(GOALS.ofCeiling)}: ${of >= GOALS.ofCeiling ? 'met' : 'NOT met'}), ` +
        `CPU per request ${cpuText} the ceiling's (goal ${GOALS.cpuTimesCeiling}×: ${cpu !== undefined && cpu <= GOALS.cpuTimesCeiling ? 'met' : 'NOT met'}), ` +
        `p99 ${p99.toFixed(1)} ms (goal ${p99TargetMs} ms: ${p99 <= p99TargetMs ? 'met' : 'NOT met'})`,
    );
  }
  for (const operation of [...new Set(rows.map((r) => r.operation))]) {
    const v = versus(rows, operation, 'service key', 'floor');
    if (!v) continue;
    out.push(
      `${operation}: a service key is ${times(v.slower)} slower than the floor, ${times(v.cpu)} its CPU per request: what Keywarden's own work costs (audit trail, authorization, validation, logs, metrics)`,
    );
  }
  for (const operation of [...new Set(rows.map((r) => r.operation))]) {
    const v = storeVersusService(rows, operation);
    if (!v) continue;
    const worst = Math.max(...v.slower);
    out.push(
      `${operation}: a custom-key-store key is ${times(v.slower)} slower than a service key, ${times(v.cpu)} its CPU per request (goal within ${GOALS.storeTimesService}×: ${worst <= GOALS.storeTimesService ? 'met' : 'NOT met'})`,
    );
  }
  return out.join('\n') + '\n';
}

const percent = (f: number) => `${(f * 100).toFixed(0)}%`;
