import { parseArgs as parseWords } from 'node:util';

/** A parsed command line: the operands after the command's words, and its options. */
export interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

/** One option of a command, as its help shows it. */
export interface OptionSpec {
  /** A string option takes a value (`--port 4599` or `--port=4599`); a boolean one is a switch. */
  type: 'string' | 'boolean';
  short?: string;
  /** What the value is called in the usage: PORT, FILE, ID. */
  value?: string;
  /** Shown unbracketed in the usage; the command itself checks it, with an example. */
  required?: boolean;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {}

/**
 * A mistake the option parser found (an unknown option, a missing value): besides the message,
 * the command's usage goes to stderr, so the fix is on screen.
 */
export class OptionError extends UsageError {}

/**
 * Parses a command's words with node:util's parseArgs in strict mode: every option must be
 * declared, a string option must have a value, a switch takes none. Its errors are rewritten as
 * one sentence that names the option (and the declared option it probably meant).
 */
export function parseOptions(argv: string[], specs: OptionSpecs): Args {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  let parsed: ReturnType<typeof parseWords>;
  try {
    parsed = parseWords({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new OptionError(describeParseError(err as Error & { code?: string }, specs));
  }
  const values = new Map<string, string | true>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') values.set(name, value);
    else if (value === true) values.set(name, true);
  }
  return { positional: parsed.positionals, options: values };
}

function describeParseError(err: Error & { code?: string }, specs: OptionSpecs): string {
  const named = /'(-{1,2}[^'\s<=]+)/.exec(err.message)?.[1];
  if (!named) return err.message.split('\n')[0]!;
  const name = named.replace(/^-+/, '');
  const spec = specs[name] ?? Object.entries(specs).find(([, s]) => s.short === name)?.[1];
  const long = spec ? `--${Object.keys(specs).find((k) => specs[k] === spec)}` : named;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const near = nearestOption(name, Object.keys(specs));
      return `unknown option '${named}'${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (spec?.type === 'boolean') return `${long} takes no value`;
      if (/ambiguous/.test(err.message)) return `${long} needs a value (write ${long}=VALUE for a value that starts with '-')`;
      return `${long} needs a value`;
    default:
      return err.message.split('\n')[0]!;
  }
}

/** The declared option within two edits of a mistyped one (`--prot` → `--port`), if exactly one is. */
export function nearestOption(typed: string, names: string[]): string | undefined {
  const close = names.filter((n) => editDistance(typed, n) <= Math.min(2, Math.max(1, Math.floor(n.length / 3))));
  return close.length === 1 ? close[0] : undefined;
}

/** Edits between two words, a swap of neighbours counting as one (`prot` is one from `port`). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export function stringOption(args: Args, name: string): string | undefined {
  const v = args.options.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value.`);
  return v;
}

export function portOption(args: Args, name: string, fallback: number): number {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, not '${v}'.`);
  return n;
}
