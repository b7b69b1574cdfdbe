import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inProcessOperations, measureInProcess } from './in-process.js';
import { compareInProcess, type ScenarioResult } from './report.js';

const names = { encrypt: 'Encrypt 4 KiB', signEcc: 'Sign ECC_NIST_P256 4 KiB', signRsa: 'Sign RSA_2048 4 KiB', mac: 'GenerateMac HMAC_256 4 KiB' };

describe('in-process ceilings', () => {
  it('stops at the operation cap long before the time limit', () => {
    let calls = 0;
    const r = measureInProcess({ scenario: 'x', primitive: 'count', run: () => void calls++ }, 60, 1000);
    assert.equal(r.ops, 1000);
    // 50 warm-up calls come first.
    assert.equal(calls, 1050);
    assert.ok(r.elapsedSeconds < 5);
  });

  it('stops at the time limit', () => {
    const r = measureInProcess({ scenario: 'x', primitive: 'spin', run: () => undefined }, 0.05, Number.MAX_SAFE_INTEGER);
    assert.ok(r.elapsedSeconds >= 0.05 && r.elapsedSeconds < 1, `ran ${r.elapsedSeconds} s`);
  });

  it('has one loop per cryptographic scenario, each of which runs', () => {
    const ops = inProcessOperations(names, 4096);
    assert.deepEqual(ops.map((o) => o.scenario), Object.values(names));
    for (const op of ops) assert.ok(measureInProcess(op, 0.01, 5).ops >= 1);
  });

  it('pairs each ceiling with the Keywarden scenario of its name', () => {
    const scenario = { name: 'Sign RSA_2048 4 KiB', server: 'keywarden', opsPerSecond: 450 } as ScenarioResult;
    const [c] = compareInProcess([scenario], [{ scenario: 'Sign RSA_2048 4 KiB', primitive: 'rsa', ops: 900, elapsedSeconds: 1, opsPerSecond: 900 }]);
    assert.equal(c!.fraction, 0.5);
    assert.throws(() => compareInProcess([], [{ scenario: 'missing', primitive: 'p', ops: 1, elapsedSeconds: 1, opsPerSecond: 1 }]), /no Keywarden scenario named 'missing'/);
  });
});
