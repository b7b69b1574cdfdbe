// Starting over: `keywarden reset --data-dir D` deletes a stopped service's data after asking (or
// with --yes), refuses while a service runs there and touches nothing that is not Keywarden's; and
// `keywarden clock reset` moves a clock-controlled service's clock back to the system time.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { awsAsync, run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

let work: string;
let server: TestServer;
let plain: TestServer;
let dataDir: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-reset-'));
  dataDir = join(work, 'data');
  [server, plain] = await Promise.all([startServer({ dataDir, allowClockControl: true }), startServer()]);
});

after(async () => {
  await Promise.all([server?.dispose(), plain?.dispose()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const keywarden = (args: string[], input?: string) => run(process.execPath, [BIN, ...args], { cwd: ROOT, ...(input !== undefined ? { input } : {}) });

async function keyIds(): Promise<string[]> {
  const r = await awsAsync(server.url, ['kms', 'list-keys']);
  assert.equal(r.status, 0, r.stderr);
  return r.json.Keys.map((k: { KeyId: string }) => k.KeyId);
}

async function clock(target: TestServer, ...args: string[]) {
  return keywarden(['clock', ...args, '--json', '--endpoint', target.url]);
}

test('clock reset moves the clock back to the system time, and the offset stays reset after a restart; refused without --allow-clock-control', async () => {
  const advanced = await clock(server, 'advance', '10d');
  assert.equal(advanced.status, 0, advanced.stderr);
  assert.equal(advanced.json.OffsetSeconds, 10 * 86_400);
  await server.restart();
  assert.equal((await clock(server, 'show')).json.OffsetSeconds, 10 * 86_400, 'the advance outlives a restart');

  const reset = await clock(server, 'reset');
  assert.equal(reset.status, 0, reset.stderr);
  assert.equal(reset.stderr, '');
  assert.equal(reset.json.OffsetSeconds, 0);
  assert.ok(Math.abs(reset.json.Now - Date.now() / 1000) < 60, `Now ${reset.json.Now}`);
  const text = await keywarden(['clock', 'reset', '--endpoint', server.url]);
  assert.match(text.stdout, /^service time \S+ \(ahead of real time by 0d 0h 0m 0s\)\n$/);
  await server.restart();
  assert.equal((await clock(server, 'show')).json.OffsetSeconds, 0, 'the reset outlives a restart');

  const refused = await clock(plain, 'reset');
  assert.equal(refused.status, 1);
  assert.equal(refused.stdout, '');
  assert.equal(refused.stderr, 'keywarden: AccessDeniedException: Clock control is off. Start the service with --allow-clock-control to move its clock.\n');
});

test('reset refuses while a service runs on the directory, asks before deleting, and deletes only Keywarden\u2019s data', async () => {
  const created = await awsAsync(server.url, ['kms', 'create-key', '--description', 'made before the reset']);
  assert.equal(created.status, 0, created.stderr);
  const keyId = created.json.KeyMetadata.KeyId as string;

  const running = await keywarden(['reset', '--data-dir', dataDir, '--yes']);
  assert.equal(running.status, 1);
  assert.match(running.stderr, new RegExp(`^keywarden: the data directory ${dataDir} is in use by another Keywarden \\(pid ${server.pid}\\); stop it first`));
  assert.deepEqual(await keyIds(), [keyId]);

  await server.stop();
  const mine = join(dataDir, 'notes.txt');
  writeFileSync(mine, 'not Keywarden\u2019s\n');
  const rootKey = readFileSync(join(dataDir, 'root.key'));
  const [no, nothing] = [await keywarden(['reset', '--data-dir', dataDir], 'n\n'), await keywarden(['reset', '--data-dir', dataDir], '')];
  for (const [r, why] of [[no, "the answer was 'n'"], [nothing, 'no answer \\(end of input\\)']] as const) {
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^Delete the keys, clusters, audit trail and root key kept in ${dataDir} \\(keywarden\\.db, .*audit-log, root\\.key\\)\\? This cannot be undone\\. \\[y/N\\] `));
    assert.match(r.stderr, new RegExp(`keywarden: ${why}; nothing was deleted\\. Answer y, or pass --yes to reset without asking\\.\\n$`));
  }
  assert.ok(existsSync(join(dataDir, 'keywarden.db')));

  const yes = await keywarden(['reset', '--data-dir', dataDir], 'y\n');
  assert.equal(yes.status, 0, yes.stderr);
  assert.match(yes.stdout, new RegExp(`^reset ${dataDir}: deleted keywarden\\.db, .*audit-log, root\\.key\\n$`));
  for (const gone of ['keywarden.db', 'audit-log', 'root.key']) assert.equal(existsSync(join(dataDir, gone)), false, gone);
  assert.equal(readFileSync(mine, 'utf8'), 'not Keywarden\u2019s\n');

  // The next start is a first start: no keys, a new root key, a clean audit trail.
  await server.restart();
  assert.deepEqual(await keyIds(), []);
  assert.notDeepEqual(readFileSync(join(dataDir, 'root.key')), rootKey);
  const verified = await keywarden(['audit', 'verify', '--json', '--endpoint', server.url]);
  assert.equal(verified.status, 0, verified.stderr);
  assert.equal(verified.json.Valid, true);
  await server.stop();

  const again = await keywarden(['reset', '--data-dir', dataDir, '--yes', '--json']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.json.DataDir, dataDir);
  assert.ok(again.json.Deleted.includes('keywarden.db'), again.stdout);
  assert.equal(again.stderr, '', '--yes asks nothing');
  const empty = await keywarden(['reset', '--data-dir', dataDir, '-y', '--json']);
  assert.deepEqual(empty.json, { DataDir: dataDir, Deleted: [] });
  await server.restart();
});

test('reset of a directory Keywarden never used deletes nothing; of one that does not exist, says so', async () => {
  const other = join(work, 'somebody-elses');
  mkdirSync(other);
  writeFileSync(join(other, 'keywarden.db-wal'), 'not ours either');
  const r = await keywarden(['reset', '--data-dir', other, '--yes']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `keywarden: ${other} is not a Keywarden data directory (it has no keywarden.lock or keywarden.db); nothing was deleted\n`);
  assert.ok(existsSync(join(other, 'keywarden.db-wal')));

  const missing = await keywarden(['reset', '--data-dir', join(work, 'missing'), '--yes']);
  assert.equal(missing.status, 0, missing.stderr);
  assert.equal(missing.stdout, `nothing to reset: ${join(work, 'missing')} holds no Keywarden data\n`);
  assert.equal(existsSync(join(work, 'missing')), false);
});
