import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestsDeeperThan } from './json-depth.js';

const deeper = (text: string, max: number) => nestsDeeperThan(Buffer.from(text, 'utf8'), max);

describe('nestsDeeperThan', () => {
  it('counts objects and arrays inside one another, not side by side', () => {
    assert.equal(deeper('{"a":{"b":[1,[2]]}}', 4), false);
    assert.equal(deeper('{"a":{"b":[1,[2]]}}', 3), true);
    assert.equal(deeper('[[],[],[],[],[]]', 2), false);
    assert.equal(deeper('{}', 0), true);
    assert.equal(deeper('"text"', 0), false);
  });

  it('does not count brackets inside strings, whatever they escape', () => {
    assert.equal(deeper(JSON.stringify({ a: '[[[[{{{{' }), 1), false);
    assert.equal(deeper(JSON.stringify({ a: 'say \\"[[[[\\" and \\\\' }), 1), false);
    assert.equal(deeper(JSON.stringify({ a: '\\', b: [[[]]] }), 3), true, 'a string ending in a backslash ends');
    assert.equal(deeper(JSON.stringify({ 'é[': 'ü{{{', b: '日本[[' }), 1), false, 'multi-byte characters');
  });

  it('is linear on 10,000 levels and on a 2 MB string of escapes', () => {
    assert.equal(deeper('['.repeat(10_000) + ']'.repeat(10_000), 32), true);
    const escapes = `{"a":"${'\\"'.repeat(1_000_000)}"}`;
    const started = performance.now();
    assert.equal(deeper(escapes, 1), false);
    assert.ok(performance.now() - started < 1000);
  });

  it('leaves malformed text to the parser', () => {
    assert.equal(deeper('{"a": "never closed', 1), false);
    assert.equal(deeper(']]]]{', 1), false);
  });
});
