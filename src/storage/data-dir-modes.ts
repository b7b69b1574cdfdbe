import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// Keywarden creates its data directory and everything in it for its owner only (0700 and 0600):
// the database holds sealed key material, account data and the audit trail, and root.key the key
// that opens the sealed material. What an earlier version, a copy or an operator left wider is not
// changed behind anyone's back, but it is said at every start.

/** How many entries the warning names before it counts the rest. */
const NAMED = 5;

/** One line naming what in the data directory others than its owner may use, or undefined if nothing. */
export function dataDirExposure(dir: string): string | undefined {
  const open: string[] = [];
  const visit = (path: string, depth: number) => {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) open.push(`${relative(dir, path) || '.'} (${(st.mode & 0o777).toString(8).padStart(4, '0')})`);
    // The directory, its files and the audit log's directory and segments.
    if (st.isDirectory() && depth < 2) for (const name of readdirSync(path).sort()) visit(join(path, name), depth + 1);
  };
  visit(dir, 0);
  if (open.length === 0) return undefined;
  const named = open.slice(0, NAMED).join(', ') + (open.length > NAMED ? ` and ${open.length - NAMED} more` : '');
  const where = resolve(dir);
  return `the data directory ${where} is open to other users: ${named}; restrict it with chmod -R go-rwx ${where}`;
}
