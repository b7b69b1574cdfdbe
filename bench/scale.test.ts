import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScenarioResult } from './report.js';
import { withIndexing } from './scale.js';

describe("the data scale's CPU per call", () => {
  const result = (serverCpuUsPerOp: number | undefined) => ({ name: 'DescribeKey', ok: 900, serverCpuUsPerOp }) as ScenarioResult;

  it("adds each recorded call's share of the indexing after the load", () => {
    // 1,000 records (900 measured, 100 of warm-up) indexed in 20 ms: 20 µs each.
    assert.equal(withIndexing(result(150), 20, 1000).serverCpuUsPerOp, 170);
    assert.equal(withIndexing(result(150), 0, 1000).serverCpuUsPerOp, 150);
  });

  it('has no figure when either part is unknown', () => {
    assert.equal(withIndexing(result(undefined), 20, 1000).serverCpuUsPerOp, undefined);
    assert.equal(withIndexing(result(150), undefined, 1000).serverCpuUsPerOp, undefined);
    assert.equal(withIndexing(result(150), 20, 0).serverCpuUsPerOp, undefined);
  });

  it('leaves the rest of the result as it was', () => {
    const r = withIndexing(result(150), 20, 1000);
    assert.equal(r.name, 'DescribeKey');
    assert.equal(r.ok, 900);
  });
});
