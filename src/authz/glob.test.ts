import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, globMatches, globOf } from './glob.js';

const CASES: Array<[pattern: string, subject: string, caseInsensitive: boolean, expected: boolean]> = [
  ['*', '', false, true],
  ['*', 'anything at all', false, true],
  ['', '', false, true],
  ['', 'a', false, false],
  ['kms:Decrypt', 'kms:Decrypt', false, true],
  ['kms:Decrypt', 'kms:Decrypt2', false, false],
  ['kms:Decrypt', 'kms:decrypt', false, false],
  ['kms:Decrypt', 'KMS:DECRYPT', true, true],
  ['kms:*', 'kms:Encrypt', true, true],
  ['kms:*', 'kms:', true, true],
  ['kms:*', 'km:Encrypt', true, false],
  ['kms:GenerateDataKey*', 'kms:GenerateDataKeyPairWithoutPlaintext', true, true],
  ['kms:GenerateDataKey*', 'kms:GenerateDataKe', true, false],
  ['kms:ReEncrypt*', 'kms:ReEncryptFrom', true, true],
  ['kms:*Key', 'kms:DescribeKey', true, true],
  ['kms:*Key', 'kms:DescribeKeys', true, false],
  ['kms:List*', 'kms:ListGrants', true, true],
  ['kms:?ecrypt', 'kms:Decrypt', true, true],
  ['kms:?ecrypt', 'kms:ecrypt', true, false],
  ['a?c', 'abc', false, true],
  ['a?c', 'ac', false, false],
  ['a*b*c', 'abc', false, true],
  ['a*b*c', 'aXbYc', false, true],
  ['a*b*c', 'acb', false, false],
  ['*ab*ab*', 'xabyab', false, true],
  ['*ab*ab*', 'xaby', false, false],
  // the last piece must not overlap the middle one
  ['*aa*aa', 'aaa', false, false],
  ['*aa*aa', 'aaaa', false, true],
  ['*a?b*', 'xxaXbyy', false, true],
  ['*a?b*', 'xxabyy', false, false],
  ['arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:111122223333:key/1234', false, true],
  ['arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:444455556666:key/1234', false, false],
  ['arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:111122223333:alias/x', false, false],
  ['*', '*', false, true],
  ['arn:*', '*', false, false],
];

test('wildcard patterns match as IAM matches them', () => {
  for (const [pattern, subject, ci, expected] of CASES) {
    assert.equal(globMatches(globOf(pattern, ci), subject), expected, `${pattern} vs ${subject} (ci=${ci})`);
  }
});

test('text from a policy variable is literal: its * and ? are not wildcards', () => {
  const g = compileGlob([{ text: 'home/' }, { text: 'a*b' }, '*']);
  assert.equal(globMatches(g, 'home/a*b/x'), true);
  assert.equal(globMatches(g, 'home/aXb/x'), false);
  const q = compileGlob([{ text: 'x?' }]);
  assert.equal(globMatches(q, 'x?'), true);
  assert.equal(globMatches(q, 'xy'), false);
});

/** Runs `fn` and returns the milliseconds it took. */
function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

test('pathological patterns stay fast: no backtracking over the subject', () => {
  const subject = 'a'.repeat(100_000);
  const manyStars = '*a'.repeat(5_000) + '*b';
  const longPiece = `*${'a'.repeat(5_000)}b*`;
  const longQuestion = `*${'a?'.repeat(50)}b*`;
  let results: boolean[] = [];
  const ms = timed(() => {
    results = [
      globMatches(globOf(manyStars), subject),
      globMatches(globOf(longPiece), subject),
      globMatches(globOf(longQuestion), subject),
      globMatches(globOf('*a'.repeat(5_000) + '*'), subject),
    ];
  });
  assert.deepEqual(results, [false, false, false, true]);
  // A backtracking matcher takes minutes on these; this one needs a few milliseconds.
  assert.ok(ms < 1_000, `took ${ms} ms`);
});
