import assert from 'node:assert/strict';

/** Rejects with an AWS error of the given type (and message, when given). */
export async function rejectsWith(call: Promise<unknown>, type: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(call, (err: { type?: string; message?: string }) => {
    assert.equal(err.type, type, `expected ${type}, got ${err.type}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message ?? '', message);
    return true;
  });
}
