// A reader of Prometheus's text exposition format (version 0.0.4), strict enough that a
// malformed /metrics answer fails the test that reads it: every sample line must parse, every
// sample must belong to a family declared by # TYPE, and label values are unescaped as the
// format says.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', samples: [] }));
    return f;
  };
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // A plain comment.
      const f = family(m[2]!);
      if (m[1] === 'HELP') f.help = m[3] ?? '';
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3] ?? '')) throw new Error(`unknown metric type, ${where}`);
        if (f.samples.length > 0) throw new Error(`# TYPE after samples of its family, ${where}`);
        f.type = m[3] as Family['type'];
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const [, name, labelText, valueText] = m;
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`not a number, ${where}`);
    const labels: Record<string, string> = {};
    if (labelText !== undefined && labelText.trim() !== '') {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const at = LABEL.lastIndex;
        const l = LABEL.exec(labelText);
        if (!l || l.index !== at) throw new Error(`bad labels, ${where}`);
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        if (l[3] === '') break;
      }
    }
    const owner = families.has(name!) ? name! : SUFFIXES.map((s) => (name!.endsWith(s) ? name!.slice(0, -s.length) : '')).find((n) => n && families.has(n));
    if (owner === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    families.get(owner)!.samples.push({ name: name!, labels, value });
  });
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when there is none (a counter not yet moved). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const matching = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && sameKeys(s.labels, labels));
  if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0]?.value ?? 0;
}

/** Exactly these labels, besides a histogram's `le`. */
function sameKeys(have: Record<string, string>, want: Record<string, string>): boolean {
  const keys = Object.keys(have).filter((k) => k !== 'le' || 'le' in want);
  return keys.length === Object.keys(want).length;
}
