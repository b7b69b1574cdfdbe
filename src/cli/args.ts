/** Parsed command line: positional words and `--name value` / `--flag` options. */
export interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

export class UsageError extends Error {}

/** Options listed in `flags` take no value; every other option takes the next word (or `--name=value`). */
export function parseArgs(argv: string[], flags: ReadonlySet<string>): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('--') || word === '--') {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.slice(2, eq === -1 ? undefined : eq);
    if (eq !== -1) options.set(name, word.slice(eq + 1));
    else if (flags.has(name)) options.set(name, true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      options.set(name, value);
    }
  }
  return { positional, options };
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
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535, not '${v}'.`);
  return n;
}
