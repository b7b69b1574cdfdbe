import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT, KEY, KEY_ARN, OTHER, policy, request, ROOT } from '../../test/support/authz-fixtures.js';
import { evaluate, type NamedPolicy } from './evaluate.js';
import { LOCKOUT_MESSAGE, passesLockoutCheck } from './lockout.js';
import { accessDeniedMessage, explainDecision } from './messages.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/worker-1`;
const BOB = `arn:aws:iam::${OTHER}:user/bob`;
const enableIam = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const DEFAULT = policy({ Version: '2012-10-17', Statement: [enableIam] });
const identity = (name: string, ...statements: object[]): NamedPolicy => ({ name, policy: policy({ Version: '2012-10-17', Statement: statements }, 'identity') });

describe('AccessDeniedException messages in AWS forms', () => {
  const CASES: Array<[name: string, caller: string, action: string, keyless: boolean, keyPolicy: ReturnType<typeof policy> | undefined, ids: NamedPolicy[], expected: string]> = [
    [
      'no identity-based policy',
      SESSION,
      'kms:Decrypt',
      false,
      DEFAULT,
      [],
      `User: ${SESSION} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`,
    ],
    [
      'no resource-based policy',
      ALICE,
      'kms:ListGrants',
      false,
      policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: 'kms:*', Resource: '*' }] }),
      [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      `User: ${ALICE} is not authorized to perform: kms:ListGrants on resource: ${KEY_ARN} because no resource-based policy allows the kms:ListGrants action`,
    ],
    [
      'an explicit deny in a resource-based policy',
      ALICE,
      'kms:Decrypt',
      false,
      policy({ Version: '2012-10-17', Statement: [enableIam, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] }),
      [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} with an explicit deny in a resource-based policy`,
    ],
    [
      'an explicit deny in an identity-based policy',
      ALICE,
      'kms:Decrypt',
      false,
      DEFAULT,
      [identity('No', { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' })],
      `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} with an explicit deny in an identity-based policy`,
    ],
    [
      'an action without a key names no resource',
      SESSION,
      'kms:CreateKey',
      true,
      undefined,
      [],
      `User: ${SESSION} is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action`,
    ],
    [
      'another account refused by the key side is told no resource-based policy allows it',
      BOB,
      'kms:Decrypt',
      false,
      DEFAULT,
      [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      `User: ${BOB} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Decrypt action`,
    ],
    [
      'another account refused by its own IAM policies is told so',
      BOB,
      'kms:Decrypt',
      false,
      policy({ Version: '2012-10-17', Statement: [enableIam, { Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'kms:Decrypt', Resource: '*' }] }),
      [],
      `User: ${BOB} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`,
    ],
  ];
  for (const [name, caller, action, keyless, keyPolicy, ids, expected] of CASES) {
    it(name, () => {
      const ctx = request(caller, action, keyless ? { key: null } : {});
      const d = evaluate(ctx, { ...(keyPolicy ? { keyPolicy } : {}), identityPolicies: ids });
      assert.equal(d.allowed, false);
      assert.equal(accessDeniedMessage(d, ctx), expected);
    });
  }

  it('an action without a key on one named resource (an alias) names it; a pattern for every key it does not', () => {
    const alias = `arn:aws:kms:us-west-2:${ACCOUNT}:alias/finance`;
    const onAliases = identity('Aliases', { Effect: 'Allow', Action: 'kms:CreateAlias', Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:alias/app-*` });
    const named = { ...request(SESSION, 'kms:CreateAlias', { key: null }), resource: alias };
    const refused = evaluate(named, { identityPolicies: [onAliases] });
    assert.equal(accessDeniedMessage(refused, named), `User: ${SESSION} is not authorized to perform: kms:CreateAlias on resource: ${alias} because no identity-based policy allows the kms:CreateAlias action`);
    assert.equal(evaluate({ ...named, resource: `arn:aws:kms:us-west-2:${ACCOUNT}:alias/app-x` }, { identityPolicies: [onAliases] }).allowed, true);
    const everyKey = { ...request(SESSION, 'kms:TagResource', { key: null }), resource: `arn:aws:kms:us-west-2:${ACCOUNT}:key/*` };
    const untagged = evaluate(everyKey, { identityPolicies: [onAliases] });
    assert.equal(accessDeniedMessage(untagged, everyKey), `User: ${SESSION} is not authorized to perform: kms:TagResource because no identity-based policy allows the kms:TagResource action`);
    // A policy covering every key of the account covers the pattern; one naming a single key does not.
    const tagKeys = (resource: string) => identity('Tag', { Effect: 'Allow', Action: 'kms:TagResource', Resource: resource });
    assert.equal(evaluate(everyKey, { identityPolicies: [tagKeys(`arn:aws:kms:*:${ACCOUNT}:key/*`)] }).allowed, true);
    assert.equal(evaluate(everyKey, { identityPolicies: [tagKeys('*')] }).allowed, true);
    assert.equal(evaluate(everyKey, { identityPolicies: [tagKeys(KEY_ARN)] }).allowed, false);
  });

  it('explain prints the decision, the reason, the statements and what AWS would answer', () => {
    const ctx = request(ALICE, 'kms:Decrypt');
    const allowed = evaluate(ctx, { keyPolicy: DEFAULT, identityPolicies: [identity('Use', { Sid: 'UseKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN })] });
    assert.deepEqual(explainDecision(allowed, ctx), [
      `ALLOWED: ${ALICE} kms:Decrypt on ${KEY_ARN}`,
      'reason: the key policy delegates to the account and an identity policy of the principal allows',
      'statement: key policy, statement 1 (Sid "Enable IAM User Permissions"): Allow',
      'statement: identity policy "Use", statement 1 (Sid "UseKey"): Allow',
    ]);
    const denied = evaluate(ctx, { keyPolicy: DEFAULT });
    assert.deepEqual(explainDecision(denied, ctx), [
      `DENIED: ${ALICE} kms:Decrypt on ${KEY_ARN}`,
      'reason: no identity policy of the principal allows the action',
      'statement: key policy, statement 1 (Sid "Enable IAM User Permissions"): Allow',
      `AWS would answer: AccessDeniedException: User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`,
    ]);
  });
});

describe('the policy lockout safety check', () => {
  const admin = identity('Admin', { Effect: 'Allow', Action: 'kms:*', Resource: '*' });
  const keyCtx = (caller: string) => ({ ...request(caller, 'kms:CreateKey'), key: KEY });
  const CASES: Array<[name: string, caller: string, statements: object[], ids: NamedPolicy[], passes: boolean]> = [
    ['the default policy keeps the root user in', ROOT, [enableIam], [], true],
    ['the default policy keeps an IAM administrator in', ALICE, [enableIam], [admin], true],
    ['the default policy locks out a caller whose IAM policies do not allow PutKeyPolicy', SESSION, [enableIam], [identity('Use', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' })], false],
    ['a policy naming only other principals', ALICE, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` }, Action: 'kms:*', Resource: '*' }], [admin], false],
    ['a policy naming the caller for PutKeyPolicy', SESSION, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: 'kms:PutKeyPolicy', Resource: '*' }], [], true],
    ['a policy that denies PutKeyPolicy to everyone', ROOT, [enableIam, { Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }], [], false],
    ['a policy with no statements', ROOT, [], [], false],
  ];
  for (const [name, caller, statements, ids, passes] of CASES) {
    it(name, () => assert.equal(passesLockoutCheck(policy({ Version: '2012-10-17', Statement: statements }), keyCtx(caller), ids), passes));
  }

  it("uses KMS's message", () => {
    assert.equal(LOCKOUT_MESSAGE, 'The new key policy will not allow you to update the key policy in the future.');
  });
});
