// The service as an operator runs it: GET /health, /ready and /metrics beside the AWS API, a JSON
// log line for every request, a background failure logged once however often it recurs, and
// `serve --in-memory`, which writes nothing to disk.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { awsAsync, run } from '../support/aws-cli.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { BIN, ROOT, serveExpectingFailure, startServer, type TestServer } from '../support/server.js';
import { signedJson } from '../support/signed-call.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function get(url: string, path: string, method = 'GET') {
  const r = await fetch(url + path, { method, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
}

async function metrics(url: string) {
  const r = await get(url, '/metrics');
  assert.equal(r.status, 200, r.text);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(r.text);
}

/** The server's JSON log lines (stderr lines that are JSON objects). */
function logLines(server: TestServer): Array<Record<string, any>> {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** The request line of `requestId`, once it is in the output. */
async function requestLine(server: TestServer, requestId: string): Promise<Record<string, any>> {
  await server.waitForOutput(new RegExp(`"requestId":"${requestId}".*"msg":"request completed"`));
  const lines = logLines(server).filter((l) => l.requestId === requestId && l.msg === 'request completed');
  assert.equal(lines.length, 1, `one request line for ${requestId}`);
  return lines[0]!;
}

describe('a service on a data directory', () => {
  let server: TestServer;
  before(async () => {
    // One node even under test:postgres's two: its metrics, health and request lines are a node's own.
    server = await startServer({ nodes: 1 });
  });
  after(async () => {
    await server?.dispose();
  });

  test('GET /health describes the running service; GET /ready says it can work', async () => {
    const health = await get(server.url, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.type, 'application/json');
    const h = health.json();
    assert.equal(h.status, 'ok');
    assert.equal(h.version, VERSION);
    assert.equal(h.pid, server.pid);
    assert.equal(typeof h.uptimeSeconds, 'number');
    assert.ok(h.uptimeSeconds >= 0 && h.uptimeSeconds < 600, `uptime ${h.uptimeSeconds}`);
    assert.deepEqual(h.store, server.store ? { kind: 'postgres', location: server.store } : { kind: 'sqlite', location: join(server.dataDir, 'keywarden.db') });
    assert.equal(h.engine, 'software');
    assert.equal(h.audit.state, 'recording');
    assert.equal(typeof h.audit.backlogBytes, 'number');

    const ready = await get(server.url, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json(), { ready: true, checks: { store: { ok: true }, auditLog: { ok: true } } });

    const head = await get(server.url, '/health?verbose=1', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  test('the AWS API keeps / and everything else: GET / and POST /health answer as before, the AWS CLI works', async () => {
    const root = await get(server.url, '/');
    assert.equal(root.status, 400);
    assert.deepEqual(root.json(), { __type: 'UnknownOperationException', message: 'Missing X-Amz-Target header.' });
    const postHealth = await get(server.url, '/health', 'POST');
    assert.equal(postHealth.status, 400);
    assert.equal(postHealth.json().__type, 'UnknownOperationException');
    const other = await get(server.url, '/healthz');
    assert.equal(other.status, 400);
    const created = await awsAsync(server.url, ['kms', 'create-key']);
    assert.equal(created.status, 0, created.stderr);
  });

  test('GET /metrics: request counters and latency move with calls, keys and key stores are counted by state', async () => {
    const before = await metrics(server.url);
    const created = await awsAsync(server.url, ['kms', 'create-key']);
    assert.equal(created.status, 0, created.stderr);
    const keyId = created.json.KeyMetadata.KeyId as string;
    const disabled = await awsAsync(server.url, ['kms', 'disable-key', '--key-id', keyId]);
    assert.equal(disabled.status, 0, disabled.stderr);
    const missing = await awsAsync(server.url, ['kms', 'encrypt', '--key-id', 'alias/not-there', '--plaintext', 'aGk=']);
    assert.notEqual(missing.status, 0);
    const after = await metrics(server.url);

    const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const kms = { service: 'TrentService' };
    assert.equal(moved('keywarden_requests_total', { ...kms, operation: 'CreateKey', status: '200' }), 1);
    assert.equal(moved('keywarden_requests_total', { ...kms, operation: 'DisableKey', status: '200' }), 1);
    assert.equal(moved('keywarden_requests_total', { ...kms, operation: 'Encrypt', status: '400', error_type: 'NotFoundException' }), 1);
    assert.equal(moved('keywarden_request_duration_seconds_count', { ...kms, operation: 'CreateKey' }), 1);
    assert.equal(moved('keywarden_request_duration_seconds_bucket', { ...kms, operation: 'CreateKey', le: '+Inf' }), 1);
    assert.ok(sampleValue(after, 'keywarden_request_duration_seconds_sum', { ...kms, operation: 'CreateKey' }) > 0);

    assert.equal(after.get('keywarden_keys')?.type, 'gauge');
    assert.equal(moved('keywarden_keys', { state: 'Enabled' }), 0, 'one key made, one disabled');
    assert.equal(moved('keywarden_keys', { state: 'Disabled' }), 1);
    assert.deepEqual(
      after.get('keywarden_custom_key_stores')!.samples.map((s) => s.labels.connection_state).sort(),
      ['CONNECTED', 'CONNECTING', 'DISCONNECTED', 'DISCONNECTING', 'FAILED'],
    );
    assert.ok(sampleValue(after, 'keywarden_audit_backlog_bytes') >= 0);
    assert.equal(after.get('keywarden_audit_backlog_bytes')?.type, 'gauge');
    assert.equal(sampleValue(after, 'keywarden_build_info', { version: VERSION }), 1);
    assert.ok(after.has('process_cpu_user_seconds_total'), 'the process metrics too');
  });

  test('every request is one JSON log line at info with its id, operation, principal, status and duration', async () => {
    const listed = await signedJson(server.url, 'TrentService.ListKeys', 'kms', {});
    assert.equal(listed.status, 200);
    const line = await requestLine(server, listed.requestId);
    assert.equal(line.level, 'info');
    assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 60_000, 'the time of the system clock');
    assert.equal(line.service, 'TrentService');
    assert.equal(line.operation, 'ListKeys');
    assert.equal(line.principal, 'arn:aws:iam::111122223333:root');
    assert.equal(line.status, 200);
    assert.equal(line.errorType, undefined);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(line.durationMs >= 0 && line.durationMs < 10_000);

    const refused = await signedJson(server.url, 'TrentService.DescribeKey', 'kms', { KeyId: 'alias/none' });
    assert.equal(refused.status, 400);
    const failed = await requestLine(server, refused.requestId);
    assert.equal(failed.status, 400);
    assert.equal(failed.errorType, 'NotFoundException');
    assert.equal(failed.operation, 'DescribeKey');

    // What a caller invents never becomes a field value the logs or metrics take as an operation.
    const invented = await signedJson(server.url, 'TrentService.MadeUp', 'kms', {});
    assert.equal(invented.status, 400);
    const unknown = await requestLine(server, invented.requestId);
    assert.equal(unknown.errorType, 'UnknownOperationException');
    assert.equal(unknown.operation, undefined);
    const m = await metrics(server.url);
    assert.ok(![...m.values()].some((f) => f.samples.some((s) => s.labels.operation === 'MadeUp')));
  });
});

test('a background task that keeps failing is logged once, with /ready at 503 and /health degraded while it lasts', async () => {
  // The SQLite store's audit log is what fails here.
  const server = await startServer({ allowClockControl: true, store: 'sqlite' });
  try {
    // The audit log's directory removed under the running service: records written from now on
    // go to a file no restart can find, and the indexer cannot apply them.
    rmSync(join(server.dataDir, 'audit-log'), { recursive: true, force: true });
    const created = await signedJson(server.url, 'TrentService.CreateKey', 'kms', {});
    assert.equal(created.status, 200);

    const ready = await get(server.url, '/ready');
    assert.equal(ready.status, 503);
    const r = ready.json();
    assert.equal(r.ready, false);
    assert.deepEqual(r.checks.store, { ok: true });
    assert.equal(r.checks.auditLog.ok, false);
    assert.match(r.checks.auditLog.problem, /audit log directory .* cannot be written|was removed while in use/);
    const health = (await get(server.url, '/health')).json();
    assert.equal(health.status, 'degraded');
    assert.equal(health.audit.state, 'failing');

    // Each clock advance runs the maintenance tasks, retention of the audit trail among them, and
    // answers once they ran.
    let last = '';
    for (let i = 0; i < 3; i++) {
      const advanced = await signedJson(server.url, 'KeywardenAdmin.AdvanceClock', 'keywarden', { Duration: '1s' });
      assert.equal(advanced.status, 200, advanced.text);
      last = advanced.requestId;
    }
    // The log is written in order: once the last advance's request line is there, so is every
    // failure its maintenance run logged.
    await requestLine(server, last);
    const failures = logLines(server).filter((l) => l.msg === 'background task failed' && l.source === 'audit trail retention');
    assert.equal(failures.length, 1, JSON.stringify(failures, null, 1));
    assert.equal(failures[0]!.level, 'error');
    assert.match(failures[0]!.err.message, /indexer/);

    const m = await metrics(server.url);
    assert.ok(sampleValue(m, 'keywarden_background_failures_total', { source: 'audit trail retention' }) >= 3);
    assert.equal(sampleValue(m, 'keywarden_background_failing', { source: 'audit trail retention' }), 1);
  } finally {
    // The trail cannot be closed cleanly without its log: killed, not stopped.
    await server.crash();
    await server.dispose();
  }
});

describe('serve --in-memory', () => {
  let cwd: string;
  let tmp: string;
  let server: TestServer;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'keywarden-e2e-cwd-'));
    tmp = mkdtempSync(join(tmpdir(), 'keywarden-e2e-tmp-'));
    server = await startServer({ inMemory: true, allowClockControl: true, cwd, env: { TMPDIR: tmp }, args: ['--log-format', 'text', '--metrics', 'off'] });
  });
  after(async () => {
    await server?.stop();
    for (const dir of [cwd, tmp]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('serves the AWS CLI, audit trail included, and writes nothing to disk, even when it stops', async () => {
    const created = await awsAsync(server.url, ['kms', 'create-key', '--description', 'in memory']);
    assert.equal(created.status, 0, created.stderr);
    const keyId = created.json.KeyMetadata.KeyId as string;
    const enc = await awsAsync(server.url, ['kms', 'encrypt', '--key-id', keyId, '--plaintext', 'hello']);
    assert.equal(enc.status, 0, enc.stderr);
    // The test's own file, outside the directories watched.
    const files = mkdtempSync(join(tmpdir(), 'keywarden-e2e-files-'));
    const blob = join(files, 'ciphertext.bin');
    writeFileSync(blob, Buffer.from(enc.json.CiphertextBlob as string, 'base64'));
    const dec = await awsAsync(server.url, ['kms', 'decrypt', '--ciphertext-blob', `fileb://${blob}`]);
    rmSync(files, { recursive: true, force: true });
    assert.equal(dec.status, 0, dec.stderr);
    assert.equal(Buffer.from(dec.json.Plaintext as string, 'base64').toString(), 'hello');
    const events = await awsAsync(server.url, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=CreateKey']);
    assert.equal(events.status, 0, events.stderr);
    assert.equal(events.json.Events.length, 1);
    const verify = await run(process.execPath, [BIN, 'audit', 'verify', '--json', '--endpoint', server.url], { cwd });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal(verify.json.Valid, true);

    const h = (await get(server.url, '/health')).json();
    assert.deepEqual(h.store, { kind: 'sqlite', location: 'memory' });
    assert.equal(h.audit.state, 'recording');
    assert.equal((await get(server.url, '/ready')).status, 200);
    assert.match(server.output(), /listening on \S+ \(data in memory only: gone when it stops\)/);
    assert.deepEqual(readdirSync(cwd), [], 'no data directory in the working directory');
    assert.deepEqual(readdirSync(tmp), [], 'no temporary files');

    // Once stopped, nothing is left; started again, nothing is there.
    assert.equal(await server.stop(), 0, server.output());
    assert.deepEqual(readdirSync(cwd), []);
    assert.deepEqual(readdirSync(tmp), []);
    await server.restart();
    const listed = await awsAsync(server.url, ['kms', 'list-keys']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(listed.json.Keys, []);
  });

  test('--log-format text writes a line per request for people; --metrics off leaves /metrics to the API', async () => {
    const listed = await signedJson(server.url, 'TrentService.ListKeys', 'kms', {});
    await server.waitForOutput(new RegExp(`INFO +request completed requestId=${listed.requestId} service=TrentService operation=ListKeys principal=\\S+ sourceIp=\\S+ status=200 durationMs=[\\d.]+\\n`));
    const off = await get(server.url, '/metrics');
    assert.equal(off.status, 400);
    assert.equal(off.json().__type, 'UnknownOperationException');
  });
});

test('serve refuses what --in-memory cannot do and log options it does not know, with exit status 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--in-memory', '--data-dir', 'somewhere'], /--in-memory keeps no data directory/],
    [['--in-memory', '--tls', 'self-signed'], /--tls self-signed keeps its certificate in the data directory/],
    [['--log-level', 'loud'], /--log-level takes trace, debug, info, warn, error, fatal, silent, not 'loud'/],
    [['--log-format', 'yaml'], /--log-format takes 'text' or 'json', not 'yaml'/],
    [['--metrics', 'public'], /--metrics takes 'loopback', 'any' or 'off', not 'public'/],
  ];
  const results = await Promise.all(cases.map(([args]) => serveExpectingFailure(['--port', '0', ...args])));
  results.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]![0].join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
  });
});
