const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses durations such as `30d`, `12h`, `1d12h` or `90s` into milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const parts = /^(?:\d+[smhdw])+$/.test(text) ? text.match(/\d+[smhdw]/g)! : undefined;
  if (!parts) return undefined;
  let total = 0;
  for (const p of parts) total += Number(p.slice(0, -1)) * UNITS[p.slice(-1)]!;
  return Number.isSafeInteger(total) ? total : undefined;
}
