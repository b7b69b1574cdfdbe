// The service as an operator runs it: a JSON log line for every request, and a background failure
// logged once however often it recurs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serveExpectingFailure, startServer, type TestServer } from '../support/server.js';
import { signedJson } from '../support/signed-call.js';

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
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
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
  });
});

test('a background task that keeps failing is logged once', async () => {
  const server = await startServer({ allowClockControl: true });
  try {
    // The audit log's directory removed under the running service: records written from now on
    // go to a file no restart can find, and the indexer cannot apply them.
    rmSync(join(server.dataDir, 'audit-log'), { recursive: true, force: true });
    const created = await signedJson(server.url, 'TrentService.CreateKey', 'kms', {});
    assert.equal(created.status, 200);

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
  } finally {
    // The trail cannot be closed cleanly without its log: killed, not stopped.
    await server.crash();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});

test('serve refuses log options it does not know, with exit status 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--log-level', 'loud'], /--log-level takes trace, debug, info, warn, error, fatal, silent, not 'loud'/],
    [['--log-format', 'yaml'], /--log-format takes 'text' or 'json', not 'yaml'/],
  ];
  const results = await Promise.all(cases.map(([args]) => serveExpectingFailure(['--port', '0', ...args])));
  results.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]![0].join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
  });
});
