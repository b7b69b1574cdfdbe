import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLog } from './failure-log.js';
import { createLogger } from './logger.js';

function logged() {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({ format: 'json', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  return { logger, lines };
}

test('a failure that repeats is logged once, a different one again, and the recovery once', async () => {
  const { logger, lines } = logged();
  const counted: string[] = [];
  let now = 1_000;
  const log = new FailureLog(logger, (s) => counted.push(s), () => now);
  let failWith: string | undefined = 'disk full';
  const task = log.watch('key deletion', async () => {
    if (failWith) throw new Error(failWith);
  });

  for (let i = 0; i < 5; i++) await task();
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.source, l.err?.message]),
    [['error', 'background task failed', 'key deletion', 'disk full']],
  );
  assert.match(lines[0]!.err.stack, /disk full/, 'the JSON line keeps the stack');
  assert.deepEqual(log.sources(), ['key deletion']);

  failWith = 'database locked';
  await task();
  await task();
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.err.message, 'database locked');

  failWith = undefined;
  now = 4_000;
  await task();
  await task();
  assert.equal(lines.length, 3);
  assert.deepEqual([lines[2]!.level, lines[2]!.msg, lines[2]!.source, lines[2]!.failures, lines[2]!.failingForMs], ['info', 'background task recovered', 'key deletion', 2, 3_000]);
  assert.deepEqual(log.sources(), []);
  assert.equal(counted.length, 7, 'every failure is counted, logged or not');
});

test('sources are independent, and a source without successes is told apart by its message', () => {
  const { logger, lines } = logged();
  const log = new FailureLog(logger);
  log.failed('audit trail', new Error('the indexer stopped'));
  log.failed('custom key store connections', 'not an Error');
  log.failed('audit trail', new Error('the indexer stopped'));
  log.failed('custom key store connections', 'not an Error');
  assert.deepEqual(
    lines.map((l) => [l.source, l.err.message]),
    [
      ['audit trail', 'the indexer stopped'],
      ['custom key store connections', 'not an Error'],
    ],
  );
  log.succeeded('never failed');
  assert.equal(lines.length, 2);
});
