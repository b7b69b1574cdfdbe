import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LogAppender, readRange, records, segmentPath, segments, type LogAppenderOptions, type LogPosition } from './audit-log.js';

const record = (i: number) => JSON.stringify({ eventID: `e-${i}`, note: 'ä\tb' });

describe('the audit write-ahead log', () => {
  let dir: string;
  let positions: LogPosition[];
  let errors: Error[];
  const appender = (opts: Partial<LogAppenderOptions> = {}) =>
    new LogAppender(dir, 1, { sync: 'os', onPosition: (at) => positions.push(at), onError: (e) => errors.push(e), ...opts });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-log-'));
    positions = [];
    errors = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the records of one turn with one write, and settles them only once written', async () => {
    const log = appender();
    const a = log.append(record(1));
    const b = log.append(record(2));
    assert.equal(a, b, 'one promise per turn');
    assert.equal(readFileSync(segmentPath(dir, 1), 'utf8'), '', 'nothing is written before the turn ends');
    await a;
    assert.equal(readFileSync(segmentPath(dir, 1), 'utf8'), `${record(1)}\n${record(2)}\n`);
    assert.deepEqual(positions, [{ segment: 1, end: Buffer.byteLength(`${record(1)}\n${record(2)}\n`) }]);
    await log.append(record(3));
    assert.equal(positions.length, 2, 'a later turn is a second write');
    await log.close();
  });

  it("in 'disk' mode, publishes a position only once an fdatasync covers it", async () => {
    const log = appender({ sync: 'disk' });
    const turns = [log.append(record(1))];
    await new Promise((resolve) => setImmediate(resolve));
    turns.push(log.append(record(2)));
    await Promise.all(turns);
    const end = Buffer.byteLength(`${record(1)}\n${record(2)}\n`);
    assert.deepEqual(positions[positions.length - 1], { segment: 1, end });
    await log.close();
  });

  it("in 'os' mode, a record that must be on disk settles after an fdatasync, the others of its turn once written", async () => {
    const log = appender({ syncEveryMs: 60_000 });
    const order: string[] = [];
    const plain = log.append(record(1)).then(() => order.push('written'));
    const synced = log.append(record(2), true).then(() => order.push('synced'));
    await Promise.all([plain, synced]);
    assert.deepEqual(order, ['written', 'synced']);
    assert.equal((log as unknown as { synced: LogPosition }).synced.end, Buffer.byteLength(`${record(1)}\n${record(2)}\n`));
    await log.close();
  });

  it('moves to a new segment when one is full, and reads back every record in order', async () => {
    const log = appender({ segmentBytes: 100 });
    for (let i = 0; i < 10; i++) await log.append(record(i));
    await log.close();
    const files = segments(dir);
    assert.ok(files.length >= 3, `expected several segments, got ${files.length}`);
    const read = files.flatMap((f) => [...records(readRange(f.path, 0))].map((r) => r.record));
    assert.deepEqual(read, Array.from({ length: 10 }, (_, i) => record(i)));
    assert.deepEqual(positions[positions.length - 1], { segment: files[files.length - 1]!.n, end: readFileSync(files[files.length - 1]!.path).length });
  });

  it('fails every waiting and later record once a write fails, and reports it', async () => {
    const log = appender();
    // The descriptor is closed behind the appender's back: its next write fails.
    closeSync((log as unknown as { fd: number }).fd);
    await assert.rejects(log.append(record(1)), /the audit log could not be written/);
    await assert.rejects(log.append(record(2)), /the audit log could not be written/);
    assert.equal(errors.length, 1);
  });

  it('reads whole records only: a torn last line, zeros, and lines of the earlier format', () => {
    const old = `7\t${'a'.repeat(64)}\t${record(7)}\n8\t${'b'.repeat(64)}\t[1,"x"]\t${record(8)}\n`;
    const buf = Buffer.concat([Buffer.from(old + `${record(9)}\n{"eventID":"torn`), Buffer.alloc(16)]);
    const read = [...records(buf)];
    assert.deepEqual(
      read.map((r) => [r.seq, r.record]),
      [
        [7, record(7)],
        [8, record(8)],
        [undefined, record(9)],
      ],
    );
    assert.equal(read[2]!.end, Buffer.byteLength(old + `${record(9)}\n`));
    assert.deepEqual([...records(Buffer.alloc(64))], []);
  });
});
