import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the console, as it is sent. */
export interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * The front end's files are plain ES modules, CSS and HTML that the browser loads as written, so
 * they are not compiled: they stay beside this module's source (src/console/web) and are found
 * from the compiled file (dist/src/console) by going back to the repository root.
 */
export const WEB_DIR = fileURLToPath(new URL('../../../src/console/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// The front end is a few dozen small files; a directory far beyond that is not the console's.
const MAX_FILES = 200;

/**
 * Every servable file under `dir`, by its URL path below the console ('/app.js', '/pages/keys.js'),
 * read once at start-up. Serving only from this map means no request path ever reaches the file
 * system, so `..`, encoded separators or symbolic links cannot lead anywhere else.
 */
export function loadConsoleFiles(dir: string = WEB_DIR): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  const visit = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        visit(path);
        continue;
      }
      const type = TYPES[extname(entry.name)];
      // Tests of the front end sit beside it (*.test.*) and are not part of it.
      if (!entry.isFile() || !type || entry.name.includes('.test.')) continue;
      if (files.size >= MAX_FILES) throw new Error(`the console directory ${dir} holds more than ${MAX_FILES} files`);
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set('/' + relative(dir, path).split(sep).join('/'), { body, type, etag });
    }
  };
  visit(dir);
  if (!files.has('/index.html')) throw new Error(`the console's index.html is missing from ${dir}`);
  return files;
}
