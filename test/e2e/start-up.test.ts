// One service per data directory: a second `keywarden serve` on the directory of a running
// service exits at once, naming the directory and the holder, and leaves the first one's audit
// trail whole. Every other failed start exits too, with one line on stderr, instead of hanging.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { LOOKUP_EVENTS, signedJson } from '../support/signed-call.js';
import { BIN, ROOT, serveExpectingFailure, startServer, type FailedStart, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-start-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Keys are made and the trail read from this process: what is under test is the data directory's lock.
async function createKeys(n: number): Promise<string[]> {
  const made = await Promise.all(Array.from({ length: n }, () => signedJson(server.url, 'TrentService.CreateKey', 'kms', {})));
  return made.map((r) => {
    assert.equal(r.status, 200, r.text);
    return r.json.KeyMetadata.KeyId as string;
  });
}

/** The key ids of every CreateKey record LookupEvents returns, on every page. */
async function createKeyRecords(): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const r = await signedJson(server.url, LOOKUP_EVENTS, 'cloudtrail', {
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateKey' }],
      ...(token ? { NextToken: token } : {}),
    });
    assert.equal(r.status, 200, r.text);
    for (const e of r.json.Events as Array<{ CloudTrailEvent: string }>) ids.push(JSON.parse(e.CloudTrailEvent).responseElements.keyMetadata.keyId as string);
    token = r.json.NextToken;
  } while (token);
  return ids.sort();
}

async function verify(): Promise<{ Valid: boolean; Checked: number; Problem?: { Message: string } }> {
  const r = await run(process.execPath, [BIN, 'audit', 'verify', '--json', '--endpoint', server.url], { cwd: ROOT });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.json;
}

/** A failed start: exit status 1 (not killed by serveExpectingFailure's bound), nothing on stdout, one line on stderr. */
function oneLineFailure(r: FailedStart, pattern: RegExp): void {
  assert.notEqual(r.status, null, `keywarden serve was still running after ${r.ms} ms:\n${r.stdout}${r.stderr}`);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

test('a second serve on a running service\u2019s data directory exits 1 at once, on its port or another, and the first one\u2019s trail stays whole', async () => {
  const before = await createKeys(4);
  const held = new RegExp(`^keywarden: the data directory ${escape(resolve(server.dataDir))} is in use by another Keywarden \\(pid ${server.pid}\\); `);
  const [samePort, otherPort] = await Promise.all([
    serveExpectingFailure(['--port', String(server.port), '--data-dir', server.dataDir]),
    serveExpectingFailure(['--port', '0', '--data-dir', server.dataDir]),
  ]);
  oneLineFailure(samePort, held);
  oneLineFailure(otherPort, held);

  // Every call the first service answered, before and after, is in its trail.
  const afterwards = await createKeys(4);
  const all = [...before, ...afterwards].sort();
  assert.deepEqual(await createKeyRecords(), all);
  const report = await verify();
  assert.equal(report.Valid, true, report.Problem?.Message);
  assert.equal(report.Checked, all.length);

  // And it still is after a restart: nothing was left for the restart to miss.
  await server.restart();
  assert.deepEqual(await createKeyRecords(), all);
  const again = await verify();
  assert.equal(again.Valid, true, again.Problem?.Message);
  assert.equal(again.Checked, all.length);
});

test('a port in use, a malformed root key and an unreadable root key file each end the start with one line and exit 1', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  try {
    const inUse = await serveExpectingFailure(['--port', String(port), '--data-dir', join(work, 'port-in-use')]);
    oneLineFailure(inUse, new RegExp(`^keywarden: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use by another process; stop it or choose another --port$`));
  } finally {
    blocker.close();
  }
  // The failed start let go of its directory: the next one starts there.
  const next = await startServer({ dataDir: join(work, 'port-in-use') });
  await next.dispose();

  const badKey = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'bad-key')], { KEYWARDEN_ROOT_KEY: 'not-a-key' });
  oneLineFailure(badKey, /^keywarden: the root key in KEYWARDEN_ROOT_KEY must be 32 bytes/);

  const unreadable = join(work, 'unreadable');
  mkdirSync(join(unreadable, 'root.key'), { recursive: true, mode: 0o700 });
  const r = await serveExpectingFailure(['--port', '0', '--data-dir', unreadable]);
  oneLineFailure(r, /^keywarden: .*root\.key/);
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
