import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.js';
import { textLine } from './text-log.js';

test('text lines: time, level, message, then the fields; quoted only where a value needs it', () => {
  const lines: string[] = [];
  const logger = createLogger({ format: 'text', level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
  logger.info({ requestId: 'r-1', operation: 'Encrypt', status: 200, durationMs: 1.23456, note: 'two words' }, 'request completed');
  logger.error({ source: 'key deletion', err: new Error('disk\nfull') }, 'background task failed');
  logger.trace('not at debug');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  request completed requestId=r-1 operation=Encrypt status=200 durationMs=1\.235 note="two words"\n$/);
  assert.match(lines[1]!, /^\S+ ERROR background task failed source="key deletion" err="disk\\nfull"\n$/);
  assert.equal(lines.join('').split('\n').length, 3, 'one line per record: the stack stays in the JSON format');
});

test('a line that is not JSON passes through as it is', () => {
  assert.equal(textLine('plain words\n'), 'plain words');
});
