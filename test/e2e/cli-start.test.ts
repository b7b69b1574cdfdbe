// A client command starts quickly because it loads only what it runs: `keywarden clock show`
// must not pull in the service (SQLite, the curve and post-quantum libraries, x509), which costs
// most of a second before the first byte is sent.
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT } from '../support/server.js';

let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-cli-start-'));
  // Module hooks run on a thread of their own: each resolved file is appended to a list.
  writeFileSync(
    join(work, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith('file:')) appendFileSync(process.env.KEYWARDEN_LOADED_LIST, r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});\n`);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let runs = 0;

/** The files `keywarden <args>` loads, relative to the repository. */
async function loadedBy(args: string[]): Promise<string[]> {
  const list = join(work, `loaded-${++runs}.txt`);
  writeFileSync(list, '');
  await run(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, BIN, ...args], {
    cwd: ROOT,
    env: { KEYWARDEN_LOADED_LIST: list, KEYWARDEN_ENDPOINT: 'http://127.0.0.1:9' },
  });
  const root = pathToFileURL(ROOT).href + '/';
  return readFileSync(list, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith(root))
    .map((u) => u.slice(root.length));
}

const SERVICE = /^(dist\/src\/app\.js|dist\/src\/(kms|storage|protocol|engines|cluster\/(?!ca)|keystores)\/|node_modules\/(better-sqlite3|@noble|pino|prom-client)\/)/;

test('client commands load none of the service\u2019s modules; serve does', async () => {
  for (const args of [['--help'], ['clock', 'show'], ['fault', 'list'], ['network', 'list'], ['audit', 'verify'], ['cloudhsm-cli', '--cluster-id', 'cluster-x']]) {
    const loaded = await loadedBy(args);
    assert.ok(loaded.includes('dist/src/cli/main.js'), `the hook saw nothing for keywarden ${args.join(' ')}:\n${loaded.join('\n')}`);
    const service = loaded.filter((f) => SERVICE.test(f));
    assert.deepEqual(service, [], `keywarden ${args.join(' ')} loaded the service's modules`);
  }
  // The check can see the service being loaded: serve with a bad option loads it, then refuses.
  const serve = await loadedBy(['serve', '--audit', 'maybe']);
  assert.ok(serve.includes('dist/src/app.js'), serve.join('\n'));
});

test('bin/keywarden runs as a program of its own, with the Node options its first line gives', async () => {
  // `npm start` runs it this way: through its #! line, not as `node bin/keywarden`.
  const r = await run(BIN, ['--version'], { cwd: work });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^keywarden \d+\.\d+\.\d+/);
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0];
  assert.match(first!, /^#!\/usr\/bin\/env -S node --max-semi-space-size=8$/);
  assert.match(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start, /^bin\/keywarden serve$/);
});
