import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOverhead, summarizeOverhead, type Round } from './audit-overhead.js';

function round(opsPerSecond: number, serverCpuUsPerOp: number, catchUp?: { ms: number; serverCpuMs: number }): Round {
  const r = {
    name: 'Encrypt 4 KiB',
    server: 'keywarden',
    target: 'TrentService.Encrypt',
    requestBytes: 5527,
    ok: opsPerSecond,
    errors: 0,
    errorKinds: [],
    elapsedSeconds: 1,
    opsPerSecond,
    meanResponseBytes: 5677,
    stoppedBy: 'time',
    warmupErrors: 0,
    p50Ms: 1,
    p99Ms: 4,
    maxMs: 9,
    serverCpuPercent: 100,
    serverCpuUsPerOp,
    clientCpuPercent: 70,
  } as unknown as Round;
  if (catchUp) r.catchUp = catchUp;
  return r;
}

describe('the audit overhead summary', () => {
  it('compares each round with its own audit-off round, so that drift between rounds cancels out', () => {
    // The machine is fast in round 1 and slow in rounds 2 and 3; each recording round is 5% slower
    // than the audit-off round measured next to it.
    const off = [round(10_000, 100), round(6_000, 160), round(6_000, 160)];
    const on = [round(9_500, 105, { ms: 100, serverCpuMs: 190 }), round(5_700, 168, { ms: 100, serverCpuMs: 114 }), round(5_700, 168, { ms: 100, serverCpuMs: 114 })];
    const disk = [round(7_000, 140), round(4_200, 224), round(4_200, 224)];
    const o = summarizeOverhead('Encrypt 4 KiB', 1, { on, off, disk });
    assert.ok(Math.abs(o.slowdownPercent - 5) < 1e-9, `slowdown ${o.slowdownPercent}`);
    assert.ok(Math.abs(o.diskSlowdownPercent - 30) < 1e-9);
    assert.ok(Math.abs(o.cpuOverheadPercent! - 5) < 1e-9);
    // The indexing after the burst: 190 ms of CPU over 9,500 calls is 20 µs a call, 114 over 5,700 too.
    assert.ok(Math.abs(o.cpuOverheadWithIndexingPercent! - 17.5) < 1e-9, `with indexing ${o.cpuOverheadWithIndexingPercent}`);
    assert.equal(o.valid, true);
    assert.match(formatOverhead(o), /the burst ran 5\.0% slower \(--audit-sync disk: 30\.0% slower\)/);
  });

  it('marks the figures invalid when a request failed', () => {
    const bad = { ...round(9_000, 100), errors: 3 } as Round;
    const o = summarizeOverhead('Encrypt 4 KiB', 1, { on: [bad], off: [round(9_000, 100)], disk: [round(6_000, 150)] });
    assert.equal(o.valid, false);
    assert.match(formatOverhead(o), /NOT valid/);
  });
});
