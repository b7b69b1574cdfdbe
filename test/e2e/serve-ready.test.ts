// `keywarden serve` for scripts and test harnesses: the port is taken before anything else (a port
// in use ends the start at once, before the data directory exists), --port 0 picks one and the
// ready line names it, --json prints that line as one JSON object, and --ready-file holds it while
// the service runs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT, serveExpectingFailure } from '../support/server.js';

let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-ready-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout holds a whole line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** SIGTERM, then the exit status. */
  stop(): Promise<number | null>;
}

function serve(args: string[]): Serving {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KEYWARDEN_ROOT_KEY: '' } });
  let out = '';
  let err = '';
  const waiting: Array<() => void> = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiting.splice(0)) w();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in 60 s:\n${out}${err}`)), 60_000);
        const check = () => {
          const found = out.split('\n').slice(0, -1).find((l) => pattern.test(l));
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          } else waiting.push(check);
        };
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`serve exited before printing ${pattern}:\n${out}${err}`));
        });
        check();
      }),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

test('a port in use ends the start with one line naming --port and exit 1, before the data directory is made', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  try {
    const dataDir = join(work, 'never-made');
    const [text, json] = await Promise.all([
      serveExpectingFailure(['--port', String(port), '--data-dir', dataDir]),
      serveExpectingFailure(['--port', String(port), '--data-dir', dataDir, '--json', '--ready-file', join(work, 'never.ready')]),
    ]);
    for (const r of [text, json]) {
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `keywarden: cannot listen on 127.0.0.1:${port}: the port is in use by another process; stop it or choose another --port\n`);
    }
    assert.equal(existsSync(dataDir), false, 'the data directory was made before the port was taken');
    assert.equal(existsSync(join(work, 'never.ready')), false);
  } finally {
    blocker.close();
  }
});

test('--port 0 --json: one JSON ready line with the port it picked; the service answers there; SIGTERM says so in JSON', async () => {
  const dataDir = join(work, 'json');
  const s = serve(['--port', '0', '--data-dir', dataDir, '--json']);
  try {
    const ready = JSON.parse(await s.line(/^\{/));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.ok(Number.isInteger(ready.port) && ready.port > 0, JSON.stringify(ready));
    const url = `http://127.0.0.1:${ready.port}`;
    assert.deepEqual(ready, { event: 'ready', url, host: '127.0.0.1', port: ready.port, pid: s.child.pid, dataDir, version, consoleUrl: `${url}/console/` });
    assert.equal(s.stdout(), JSON.stringify(ready) + '\n', 'stdout holds the ready line and nothing else');
    const shown = await run(process.execPath, [BIN, 'clock', 'show', '--json', '--endpoint', ready.url], { cwd: ROOT });
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.json.OffsetSeconds, 0);
  } finally {
    assert.equal(await s.stop(), 0, s.stderr());
  }
  assert.deepEqual(JSON.parse(s.stdout().split('\n')[1]!), { event: 'stopping', signal: 'SIGTERM' });
});

test('--in-memory --json: the ready line names no data directory, since none is kept', async () => {
  const s = serve(['--port', '0', '--in-memory', '--json']);
  try {
    const ready = JSON.parse(await s.line(/^\{/));
    assert.equal(ready.inMemory, true);
    assert.equal('dataDir' in ready, false, JSON.stringify(ready));
  } finally {
    assert.equal(await s.stop(), 0, s.stderr());
  }
});

test('--ready-file: a stale file is removed at the start, the ready line is written once the service answers, and removed at shutdown', async () => {
  const file = join(work, 'keywarden.ready');
  writeFileSync(file, 'left by an earlier run\n');
  const s = serve(['--port', '0', '--data-dir', join(work, 'file'), '--ready-file', file]);
  try {
    const listening = await s.line(/^Keywarden is listening on /);
    const ready = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(listening, `Keywarden is listening on ${ready.url} (data in ${join(work, 'file')})`);
    assert.equal(ready.event, 'ready');
    assert.equal(ready.pid, s.child.pid);
  } finally {
    assert.equal(await s.stop(), 0, s.stderr());
  }
  assert.equal(existsSync(file), false, 'the ready file outlived the service');

  // A ready file that cannot be written ends the service instead of leaving it running unannounced.
  const r = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'unwritable'), '--ready-file', join(work, 'no-such-dir', 'ready')]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^keywarden: cannot write --ready-file .*no-such-dir\/ready: ENOENT/m);
});
