import { whole } from './config.js';

// The figures of bench/paced.ts: what it reads from the environment and how it prints them.

export interface PacedConfig {
  rates: number[];
  seconds: number;
}

export function readPacedConfig(env: NodeJS.ProcessEnv = process.env): PacedConfig {
  const text = env.BENCH_PACED_RATES ?? '';
  const rates = text === '' ? [250, 1000, 4000] : text.split(',').map(rate);
  if (rates.length > 8) throw new Error('BENCH_PACED_RATES takes at most 8 rates');
  return { rates, seconds: whole(env.BENCH_PACED_SECONDS, 5, 'BENCH_PACED_SECONDS', 1, 600) };
}

function rate(entry: string): number {
  // whole() takes an empty text as unset; an empty entry here is a typo.
  if (entry.trim() === '') throw new Error('BENCH_PACED_RATES has an empty entry');
  return whole(entry.trim(), 0, 'each of BENCH_PACED_RATES', 1, 100_000);
}

/** One server's figures: undefined rate is as fast as it answers. */
export interface PacedFigure {
  rate: number | undefined;
  opsPerSecond: number;
  /** Server CPU (every thread of every process of the server) per successful call, µs. */
  cpuUsPerCall: number | undefined;
  errors: number;
}

export type ServerKind = 'ceiling' | 'keywarden' | 'workers-2';
export const LABELS: Record<ServerKind, string> = { ceiling: 'ceiling', keywarden: 'Keywarden', 'workers-2': '--workers 2' };

export function formatPaced(figures: Record<ServerKind, PacedFigure[]>, plaintextBytes: number, concurrency: number): string {
  const us = (f: PacedFigure | undefined) => (f?.cpuUsPerCall === undefined ? '?' : f.cpuUsPerCall.toFixed(0));
  const ratio = (a: PacedFigure | undefined, b: PacedFigure | undefined) =>
    a?.cpuUsPerCall === undefined || b?.cpuUsPerCall === undefined ? '?' : `${(a.cpuUsPerCall / b.cpuUsPerCall).toFixed(2)}×`;
  const rows = figures.keywarden.map((k, i) => {
    const c = figures.ceiling[i];
    const w = figures['workers-2'][i];
    const rate = k.rate === undefined ? 'as fast as answered' : `${k.rate}/s`;
    const achieved = (f: PacedFigure | undefined) => (f === undefined ? '?' : f.opsPerSecond.toFixed(0));
    const failed = [c, k, w].some((f) => f !== undefined && f.errors > 0) ? '  (some calls FAILED)' : '';
    return (
      `  ${rate.padEnd(20)} ${us(c).padStart(8)} ${us(k).padStart(10)} ${ratio(k, c).padStart(10)} ${us(w).padStart(12)} ${ratio(w, k).padStart(13)}` +
      `   ${achieved(c)} / ${achieved(k)} / ${achieved(w)}${failed}`
    );
  });
  return [
    `Encrypt, ${plaintextBytes}-byte plaintexts, ${concurrency} workers: server CPU per call (µs, all threads and processes of the server)`,
    `  ${'rate'.padEnd(20)} ${'ceiling'.padStart(8)} ${LABELS.keywarden.padStart(10)} ${'× ceiling'.padStart(10)} ${LABELS['workers-2'].padStart(12)} ${'× one process'.padStart(13)}   calls/s reached (ceiling / Keywarden / --workers 2)`,
    ...rows,
  ].join('\n');
}
