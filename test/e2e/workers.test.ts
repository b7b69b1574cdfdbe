// `keywarden serve --workers N`: several processes on one port and one store, started, restarted
// when one dies and stopped together by the first; driven by the AWS CLI and by signed requests,
// each on a connection of its own so that the connections go to every worker in turn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { awsAsync } from '../support/aws-cli.js';
import { b64in } from '../support/wire-api.js';
import { signedJson } from '../support/signed-call.js';
import { BIN, startServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startServer({ args: ['--workers', '2'], nodes: 1 });
});

after(async () => {
  await server?.dispose();
});

/** The pid of the process that answered GET /health on a connection of its own. */
function healthPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${server.url}/health`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body).pid));
    }).on('error', reject);
  });
}

async function pidsAnswering(calls: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < calls; i++) pids.add(await healthPid());
  return pids;
}

const call = async (operation: string, input: unknown) => {
  const r = await signedJson(server.url, `TrentService.${operation}`, 'kms', input);
  assert.equal(r.status, 200, `${operation}: ${r.text}`);
  return r.json;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('two workers answer on one port, neither of them the process that started them', async () => {
  assert.match(server.output(), /listening on http:\/\/127\.0\.0\.1:\d+ \(.*, 2 worker processes\)/);
  const pids = await pidsAnswering(8);
  assert.equal(pids.size, 2, `answered by ${[...pids].join(', ')}`);
  assert.ok(!pids.has(server.pid));
});

test('what one worker writes the other reads at once: keys, aliases, ciphertexts', async () => {
  const made = await awsAsync(server.url, ['kms', 'create-key', '--description', 'workers']);
  assert.equal(made.status, 0, made.stderr);
  const keyId = made.json.KeyMetadata.KeyId as string;
  await call('CreateAlias', { AliasName: 'alias/workers', TargetKeyId: keyId });
  for (let i = 0; i < 6; i++) {
    const { CiphertextBlob } = await call('Encrypt', { KeyId: 'alias/workers', Plaintext: b64in(`message ${i}`) });
    const { Plaintext } = await call('Decrypt', { CiphertextBlob });
    assert.equal(Buffer.from(Plaintext, 'base64').toString(), `message ${i}`);
  }
  await call('DisableKey', { KeyId: keyId });
  for (let i = 0; i < 4; i++) {
    const r = await signedJson(server.url, 'TrentService.Encrypt', 'kms', { KeyId: keyId, Plaintext: b64in('refused') });
    assert.equal(r.json.__type, 'DisabledException', r.text);
  }
});

test('a worker killed with SIGKILL is started again; the others answer meanwhile', async () => {
  const before = await pidsAnswering(6);
  const [victim] = [...before];
  process.kill(victim!, 'SIGKILL');
  await server.waitForOutput(new RegExp(`worker ${victim} ended \\(SIGKILL\\); starting another`));
  await server.waitForOutput(/worker \d+ answers\./);
  const after = await pidsAnswering(8);
  assert.equal(after.size, 2, `answered by ${[...after].join(', ')}`);
  assert.ok(!after.has(victim!));
});

test('SIGTERM to the first process stops every worker, cleanly', async () => {
  const workers = await pidsAnswering(6);
  assert.equal(await server.stop(), 0);
  for (let i = 0; i < 50 && [...workers].some(alive); i++) await delay(100);
  assert.deepEqual([...workers].filter(alive), []);
  await server.restart();
  assert.equal((await pidsAnswering(6)).size, 2);
});

test('--workers takes 1 to 64 or auto, and not with --in-memory', () => {
  for (const [args, message] of [
    [['--workers', '0'], /--workers takes a number of processes from 1 to 64, or 'auto' \(one per core\), not '0'\./],
    [['--workers', 'many'], /not 'many'/],
    [['--workers', '65'], /not '65'/],
    [['--workers', '2', '--in-memory'], /--workers shares one store among several processes, which --in-memory keeps in one/],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
