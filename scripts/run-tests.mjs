// Runs test files in the order given, `concurrency` at a time, each in a process of its own, as
// `node --test` does (that command sorts the files by name first, which is why this exists).
// Reports like it too: spec on a terminal, TAP otherwise. Exits 1 if any test failed.
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import { startSharedAwsCli } from '../dist/test/support/tools.js';

const [concurrency, ...files] = process.argv.slice(2);
// One started AWS CLI for every file (test/support/tools.ts), instead of one per file: each file
// would otherwise pay for starting it, and run the AWS CLI from scratch until it had.
startSharedAwsCli();
// A backstop, far above any file's run time: a file whose process cannot end (a hook that failed
// and left a child process running, say) fails with its name instead of holding the suite forever.
const timeout = 20 * 60_000;
const stream = run({ files: files.map((f) => resolve(f)), concurrency: Number(concurrency), timeout });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
