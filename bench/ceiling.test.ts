import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithCeiling, formatCeiling, storeVersusService, type Side } from './ceiling.js';
import type { ScenarioResult } from './report.js';

function result(side: Side, round: number, opsPerSecond: number, serverCpuUsPerOp: number, p99Ms = 4): ScenarioResult {
  return {
    name: `Encrypt 4 KiB, ${side}`,
    server: side === 'ceiling' ? 'bare node:http' : side === 'floor' ? 'floor node:http' : side === 'moto' ? 'moto' : 'keywarden',
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
    p99Ms,
    maxMs: 9,
    meanMs: 1,
    serverCpuPercent: 100,
    serverCpuUsPerOp,
    clientCpuPercent: 70,
    operation: 'Encrypt 4 KiB',
    side,
    round,
  };
}

describe('the comparison with the ceiling', () => {
  // The machine is twice as fast in round 1 as in round 2; within each round Keywarden's service
  // key reaches half the ceiling and a key-store key a quarter.
  const scenarios = [
    result('ceiling', 1, 10_000, 50),
    result('service key', 1, 5_000, 150, 6),
    result('custom-key-store key', 1, 2_500, 300),
    result('ceiling', 2, 5_000, 60),
    result('service key', 2, 2_500, 180),
    result('custom-key-store key', 2, 1_250, 360),
  ];

  it('compares each round with its own ceiling', () => {
    const rows = compareWithCeiling(scenarios);
    const service = rows.find((r) => r.side === 'service key')!;
    assert.deepEqual(service.rounds.map((r) => r.ofCeiling), [0.5, 0.5]);
    assert.deepEqual(service.rounds.map((r) => r.cpuTimesCeiling), [3, 3]);
    assert.deepEqual(rows.map((r) => r.side), ['ceiling', 'service key', 'custom-key-store key']);
  });

  it('compares a custom-key-store key with a service key round by round', () => {
    const v = storeVersusService(compareWithCeiling(scenarios), 'Encrypt 4 KiB')!;
    assert.deepEqual(v.slower, [2, 2]);
    assert.deepEqual(v.cpu, [2, 2]);
  });

  it('says which goals are met and which are not', () => {
    const text = formatCeiling(compareWithCeiling(scenarios), 5);
    assert.match(text, /Encrypt 4 KiB, service key: 50% of the ceiling at worst \(goal 80%: NOT met\), CPU per request 3\.0× the ceiling's \(goal 2×: NOT met\), p99 6\.0 ms \(goal 5 ms: NOT met\)/);
    assert.match(text, /a custom-key-store key is 2\.00× \/ 2\.00× slower than a service key, 2\.00× \/ 2\.00× its CPU per request \(goal within 1\.3×: NOT met\)/);
    const fast = compareWithCeiling([result('ceiling', 1, 1000, 50), result('service key', 1, 900, 90, 3)]);
    assert.match(formatCeiling(fast, 5), /90% of the ceiling at worst \(goal 80%: met\), CPU per request 1\.8× the ceiling's \(goal 2×: met\), p99 3\.0 ms \(goal 5 ms: met\)/);
  });

  it('shows the floor beside the goals, and what Keywarden costs above it', () => {
    // The floor reaches 80% and 90% of the ceiling at 2.5× its CPU; the service key half of it at twice its CPU.
    const withFloor = [
      result('ceiling', 1, 10_000, 40),
      result('floor', 1, 8_000, 100, 4.5),
      result('service key', 1, 4_000, 200),
      result('ceiling', 2, 10_000, 40),
      result('floor', 2, 9_000, 100, 5.5),
      result('service key', 2, 4_500, 250),
    ];
    const rows = compareWithCeiling(withFloor);
    assert.deepEqual(rows.map((r) => r.side), ['ceiling', 'floor', 'service key']);
    const text = formatCeiling(rows, 5);
    assert.match(text, /Encrypt 4 KiB, the floor \(the call's work and nothing else\): 80% of the ceiling at worst, CPU per request 2\.5× the ceiling's, p99 5\.5 ms: within the 80% goal, outside the 2× goal, outside the 5 ms goal/);
    assert.match(text, /Encrypt 4 KiB: a service key is 2\.00× \/ 2\.00× slower than the floor, 2\.00× \/ 2\.50× its CPU per request/);
    // The floor is shown, not judged: no line of it says 'NOT met'.
    assert.doesNotMatch(text.split('\n').filter((l) => l.includes('the floor (')).join('\n'), /NOT met/);
  });

  it('refuses a round without its ceiling', () => {
    assert.throws(() => compareWithCeiling([result('service key', 1, 5_000, 150)]), /no ceiling/);
  });
});
