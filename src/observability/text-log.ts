import type { DestinationStream } from 'pino';

// `--log-format text`: the same records as the JSON lines, one line each, for a person at a
// terminal: time, level, message, then the other fields as name=value.

const FIRST = new Set(['time', 'level', 'msg']);

/** One JSON log line as text (without its newline). */
export function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const parts = [String(record.time ?? ''), String(record.level ?? '').toUpperCase().padEnd(5), String(record.msg ?? '')];
  for (const [name, value] of Object.entries(record)) {
    if (FIRST.has(name) || value === undefined) continue;
    parts.push(`${name}=${field(name, value)}`);
  }
  return parts.join(' ');
}

function field(name: string, value: unknown): string {
  // The stack is for the JSON lines; a person reading text wants the sentence.
  if (name === 'err' && typeof value === 'object' && value !== null) value = (value as { message?: unknown }).message ?? '';
  if (typeof value === 'number') return String(Math.round(value * 1000) / 1000);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[\w.:/@+-]*$/.test(text) && text !== '' ? text : JSON.stringify(text);
}

/** A pino destination that writes each record as a text line to `out`. */
export function textDestination(out: { write(chunk: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(textLine(line) + '\n') };
}
