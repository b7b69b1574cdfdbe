import { closeSync, openSync } from 'node:fs';

/**
 * Creates `path` empty and readable by its owner only, unless it exists: a file that SQLite (or
 * anything else) then opens keeps that mode, whatever the umask. An existing file is left alone,
 * not even opened: closing a descriptor drops every POSIX lock the process holds on the file.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
