import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, parsePolicy } from '../src/authz/index.js';
import { twentyStatementPolicy } from './policies.js';

test("the bench's 20-statement policy is one KMS accepts, and it lets the bench's caller Encrypt", () => {
  const parsed = parsePolicy(twentyStatementPolicy('111122223333'), 'key');
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  assert.equal(parsed.policy.statements.length, 20);
  const decision = evaluate(
    {
      principal: { arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', type: 'root' },
      action: 'kms:Encrypt',
      key: { arn: 'arn:aws:kms:us-east-1:111122223333:key/k', accountId: '111122223333' },
      environment: { currentTime: Date.now(), sourceIp: '127.0.0.1' },
    },
    { keyPolicy: parsed.policy },
  );
  assert.equal(decision.allowed, true);
});
