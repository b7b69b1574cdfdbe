import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPaced, readPacedConfig, type PacedFigure } from './paced-report.js';

describe('the paced bench', () => {
  it('reads its rates and seconds, with defaults', () => {
    assert.deepEqual(readPacedConfig({}), { rates: [250, 1000, 4000], seconds: 5 });
    assert.deepEqual(readPacedConfig({ BENCH_PACED_RATES: '100, 2000', BENCH_PACED_SECONDS: '3' }), { rates: [100, 2000], seconds: 3 });
  });

  it('refuses rates and durations that are not whole, out of range, or too many', () => {
    for (const rates of ['0', '-5', '1.5', 'fast', '100,,200', '200000', '1,2,3,4,5,6,7,8,9']) {
      assert.throws(() => readPacedConfig({ BENCH_PACED_RATES: rates }), /BENCH_PACED_RATES/, rates);
    }
    for (const seconds of ['0', '601', 'x']) assert.throws(() => readPacedConfig({ BENCH_PACED_SECONDS: seconds }), /BENCH_PACED_SECONDS/, seconds);
  });

  it('prints each rate with the ratios of one row', () => {
    const f = (rate: number | undefined, cpu: number | undefined, errors = 0): PacedFigure => ({ rate, opsPerSecond: rate ?? 5000, cpuUsPerCall: cpu, errors });
    const text = formatPaced(
      { ceiling: [f(250, 400), f(undefined, 32)], keywarden: [f(250, 1400), f(undefined, 160)], 'workers-2': [f(250, 2800, 3), f(undefined, undefined)] },
      4096,
      16,
    );
    const lines = text.split('\n');
    assert.match(lines[0]!, /4096-byte plaintexts, 16 workers/);
    assert.match(lines[2]!, /^ {2}250\/s +400 +1400 +3\.50× +2800 +2\.00× .*some calls FAILED/);
    assert.match(lines[3]!, /^ {2}as fast as answered +32 +160 +5\.00× +\? +\? /);
  });
});
