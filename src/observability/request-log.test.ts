import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnsweredRequest } from '../protocol/server.js';
import { createLogger } from './logger.js';
import { requestLine, requestLog } from './request-log.js';

const answers: AnsweredRequest[] = [
  { requestId: 'r-1', service: 'TrentService', operation: 'Encrypt', principal: 'arn:aws:iam::111122223333:root', sourceIp: '127.0.0.1', status: 200, durationMs: 1.23456 },
  { requestId: 'r-2', service: 'TrentService', operation: 'Decrypt', principal: 'arn:aws:iam::111122223333:user/"quoted"', sourceIp: '::1', status: 400, errorType: 'InvalidCiphertextException', durationMs: 0.0004 },
  { requestId: 'r-3', sourceIp: '', status: 404, errorType: 'UnknownOperationException', durationMs: 12 },
];

/** A logger that keeps its lines. */
function capture(level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  return { lines, logger: createLogger({ format: 'json', level, destination: { write: (line: string) => void lines.push(line) } }) };
}

describe('the request log', () => {
  it('writes the line pino writes for the same record, member for member and in the same order', () => {
    const direct = capture();
    const viaPino = capture();
    const log = requestLog(direct.logger);
    for (const a of answers) {
      log(a);
      viaPino.logger.info(
        { requestId: a.requestId, service: a.service, operation: a.operation, principal: a.principal, sourceIp: a.sourceIp, status: a.status, errorType: a.errorType, durationMs: Math.round(a.durationMs * 1000) / 1000 },
        'request completed',
      );
    }
    assert.equal(direct.lines.length, answers.length);
    const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');
    assert.deepEqual(direct.lines.map(withoutTime), viaPino.lines.map(withoutTime));
    assert.match(direct.lines[0]!, /^\{"level":"info","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","requestId":"r-1",.*"durationMs":1\.235,"msg":"request completed"\}\n$/);
  });

  it('writes nothing below its level', () => {
    const quiet = capture('warn');
    requestLog(quiet.logger)(answers[0]!);
    assert.deepEqual(quiet.lines, []);
  });

  it('puts the time given into the line', () => {
    assert.match(requestLine(answers[0]!, Date.UTC(2026, 11, 3, 9, 30)), /"time":"2026-12-03T09:30:00\.000Z"/);
  });
});
