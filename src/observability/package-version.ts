import { readFileSync } from 'node:fs';

/** The version in Keywarden's package.json (from dist/src/observability, three levels up), or 'unknown'. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
