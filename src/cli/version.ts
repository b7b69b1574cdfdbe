import { readFileSync } from 'node:fs';

/**
 * Keywarden's version, from its package.json: two levels above dist/src/cli in a checkout and in
 * an installed package alike. Read when asked, so that no command pays for it otherwise.
 */
export function keywardenVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}
