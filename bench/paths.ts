import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This module compiles to dist/bench/paths.js; everything is found from there. */
export const BENCH_DIST = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(BENCH_DIST, '../..');
export const KEYWARDEN_BIN = join(ROOT, 'bin', 'keywarden');
export const BARE_SERVER = join(BENCH_DIST, 'bare-server.js');
export const FLOOR_SERVER = join(BENCH_DIST, 'floor-server.js');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const RESULTS_FILE = join(RESULTS_DIR, 'latest.json');
