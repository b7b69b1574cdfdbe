// Data at rest: everything in the data directory is its owner's only, even in a directory that
// already existed (and a wider one is reported); HSM session tokens are sealed in the database; and
// the service refuses to start with a root key other than the one its database was created with,
// or with none, instead of starting on a new key that can open nothing stored.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { readyCluster } from '../support/sdk-setup.js';
import { LOOKUP_EVENTS, signedJson } from '../support/signed-call.js';
import { BIN, serveExpectingFailure, startServer, type FailedStart, type TestServer } from '../support/server.js';

let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-at-rest-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A call from this process (the files the service writes are under test, not a client). */
async function call(server: TestServer, target: string, input: Record<string, unknown> = {}): Promise<any> {
  const r = await signedJson(server.url, target, target.startsWith('TrentService.') ? 'kms' : 'cloudtrail', input);
  assert.equal(r.status, 200, `${target}: ${r.text}`);
  return r.json;
}

/** Every entry under `dir` (not `dir` itself) with its permission bits, e.g. `audit-log 0700`. */
function modes(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = statSync(path);
      out.push(`${path.slice(dir.length + 1)} ${(st.mode & 0o777).toString(8).padStart(4, '0')}`);
      if (st.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}

const warnings = (server: TestServer) =>
  server
    .output()
    .split('\n')
    .filter((l) => l.includes('warning'));

test('in a data directory that already exists, every file the service creates is 0600 and every directory 0700; a wider directory is reported', async () => {
  const dir = join(work, 'existing');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const server = await startServer({ dataDir: dir });
  try {
    await call(server, 'TrentService.CreateKey');
    await call(server, LOOKUP_EVENTS, { MaxResults: 1 });
    const seen = modes(dir);
    for (const name of ['keywarden.db', 'keywarden.db-wal', 'keywarden.db-shm', 'root.key', 'keywarden.lock', 'keywarden.pid']) {
      assert.ok(seen.includes(`${name} 0600`), `${name} 0600 in:\n${seen.join('\n')}`);
    }
    assert.ok(seen.includes('audit-log 0700'), seen.join('\n'));
    assert.ok(seen.some((e) => /^audit-log\/audit-\d+\.log 0600$/.test(e)), seen.join('\n'));
    assert.deepEqual(
      seen.filter((e) => !/ 0[67]00$/.test(e)),
      [],
      'nothing is open to other users',
    );
    assert.deepEqual(warnings(server), [`keywarden: warning: the data directory ${resolve(dir)} is open to other users: . (0755); restrict it with chmod -R go-rwx ${resolve(dir)}`]);

    // Once restricted, nothing is reported; a file made wider by hand is.
    await server.stop();
    chmodSync(dir, 0o700);
    chmodSync(join(dir, 'keywarden.db'), 0o644);
    await server.restart();
    assert.equal(warnings(server).length, 2, warnings(server).join('\n'));
    assert.match(warnings(server)[1]!, new RegExp(`is open to other users: keywarden\\.db \\(0644\\)(, keywarden\\.db-(shm|wal) \\(0644\\))*; restrict it`));
  } finally {
    await server.dispose();
  }
  const fresh = await startServer({ dataDir: join(work, 'new', 'data') });
  try {
    assert.equal((statSync(join(work, 'new', 'data')).mode & 0o777).toString(8), '700');
    assert.deepEqual(warnings(fresh), []);
  } finally {
    await fresh.dispose();
  }
});

test('the session token of a login left open is not in the database files in clear', async () => {
  const server = await startServer({ dataDir: join(work, 'sessions'), args: ['--cluster-delay-ms', '0'] });
  const state = join(work, 'cli-state');
  const keywarden = (args: string[], input?: string) =>
    run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: work, input, env: { KEYWARDEN_STATE_DIR: state } });
  try {
    const { clusterId: ClusterId, adminPassword: AdminPassword } = await readyCluster(server.url);
    const login = await keywarden(['cloudhsm-cli', '--cluster-id', ClusterId], `login --username admin --role admin --password ${AdminPassword}\n`);
    assert.equal(login.status, 0, login.stdout + login.stderr);
    const tokens = [...readFileSync(join(state, 'hsm-sessions.json'), 'utf8').matchAll(/"token":\s*"([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(tokens.length, 1, 'the tool kept the session it left open');
    await server.stop();
    const files = readdirSync(server.dataDir).filter((f) => f.startsWith('keywarden.db'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(server.dataDir, f)))).toString('latin1');
    assert.ok(bytes.length > 0);
    assert.ok(!bytes.includes(tokens[0]!), 'the token is in the database in clear');

    // The session still works after the restart: the tool resumes it and logs it out.
    await server.restart();
    const logout = await keywarden(['cloudhsm-cli', '--cluster-id', ClusterId], 'logout\n');
    assert.equal(logout.status, 0, logout.stdout + logout.stderr);
    assert.match(logout.stdout, /"error_code": 0/);
  } finally {
    await server.dispose();
  }
});

test('a different root key, or none at all, is refused with one line saying what to do, and the database is left as it was', async () => {
  const dir = join(work, 'keyed');
  const server = await startServer({ dataDir: dir });
  const plain = join(work, 'plain.txt');
  writeFileSync(plain, 'kept under the root key');
  let ciphertext: string;
  try {
    const key = (await call(server, 'TrentService.CreateKey')).KeyMetadata.KeyId;
    ciphertext = join(work, 'ciphertext.bin');
    const blob = (await call(server, 'TrentService.Encrypt', { KeyId: key, Plaintext: readFileSync(plain).toString('base64') })).CiphertextBlob;
    writeFileSync(ciphertext, Buffer.from(blob, 'base64'));
  } finally {
    await server.stop();
  }
  const rootKey = readFileSync(join(dir, 'root.key'), 'utf8').trim();
  const snapshot = () => ({
    files: readdirSync(dir).sort(),
    db: createHash('sha256').update(readFileSync(join(dir, 'keywarden.db'))).digest('hex'),
  });
  const refused = async (args: string[], env: NodeJS.ProcessEnv, pattern: RegExp) => {
    const before = snapshot();
    const r = await serveExpectingFailure(['--port', '0', '--data-dir', dir, ...args], env);
    assert.equal(r.status, 1, `exit status ${r.status} after ${r.ms} ms:\n${r.stdout}${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
    assert.deepEqual(snapshot(), before, 'the data directory is as it was');
  };
  const where = resolve(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mismatch = new RegExp(
    `^keywarden: the root key does not match the one the data directory ${where} was created with; restore its root\\.key from a backup, or pass that key with --root-key-file or KEYWARDEN_ROOT_KEY$`,
  );
  const other = randomBytes(32).toString('hex');
  await refused([], { KEYWARDEN_ROOT_KEY: other }, mismatch);
  const otherFile = join(work, 'other.key');
  writeFileSync(otherFile, other);
  await refused(['--root-key-file', otherFile], {}, mismatch);
  writeFileSync(join(dir, 'root.key'), other + '\n');
  await refused([], {}, mismatch);

  // root.key gone: no new key is made.
  rmSync(join(dir, 'root.key'));
  await refused(
    [],
    {},
    new RegExp(
      `^keywarden: the data directory ${where} holds a database but no root\\.key; restore root\\.key from a backup, or pass the key the database was created with using --root-key-file or KEYWARDEN_ROOT_KEY`,
    ),
  );
  assert.equal(existsSync(join(dir, 'root.key')), false, 'no root.key was generated');

  // The right key, from the environment or restored, opens everything again.
  const decrypts = async (s: TestServer) => {
    const out = await call(s, 'TrentService.Decrypt', { CiphertextBlob: readFileSync(ciphertext).toString('base64') });
    assert.equal(Buffer.from(out.Plaintext, 'base64').toString(), 'kept under the root key');
  };
  const fromEnv = await startServer({ dataDir: dir, env: { KEYWARDEN_ROOT_KEY: rootKey } });
  try {
    await decrypts(fromEnv);
  } finally {
    await fromEnv.stop();
  }
  assert.equal(existsSync(join(dir, 'root.key')), false, 'a key from the environment is not written anywhere');
  writeFileSync(join(dir, 'root.key'), rootKey + '\n', { mode: 0o600 });
  const restored = await startServer({ dataDir: dir });
  try {
    await decrypts(restored);
  } finally {
    await restored.stop();
  }
});
