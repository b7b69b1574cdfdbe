import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readOk } from './facts.js';
import { couldNotCheck } from './diagnose.js';
import { renderText } from './render-text.js';
import { facts, healthyStore, key, run, STORE } from '../../test/support/doctor-facts.js';

test('a finding in text: title, cause, evidence, numbered steps with their commands, the exit status', () => {
  const r = run(facts({ stores: [healthyStore({ connectionState: 'FAILED', connectionErrorCode: 'USER_LOCKED_OUT', keys: readOk([key({ state: 'Unavailable' })]) })] }));
  const text = renderText(r);
  assert.match(text, /^keywarden doctor: 1 AWS CloudHSM key store in us-east-1 \(--deep\)\n/);
  assert.match(text, new RegExp(`ExampleKeyStore \\(${STORE}\\), cluster cluster-1a23b4cdefg: FAILED \\(USER_LOCKED_OUT\\), 1 key \\(1 Unavailable\\)`));
  assert.match(text, /\[error\] USER_LOCKED_OUT: ExampleKeyStore is FAILED with USER_LOCKED_OUT/);
  assert.match(text, /Cause: The kmsuser crypto user is locked out/);
  assert.match(text, /DescribeCustomKeyStores\.ConnectionErrorCode: USER_LOCKED_OUT/);
  assert.match(text, new RegExp(` 1\\. Disconnect the key store[^\\n]*\\n(?:.*\\n)*? +\\$ aws kms disconnect-custom-key-store --custom-key-store-id ${STORE}\\n`));
  assert.match(text, /With the CloudHSM CLI:\n +\$ \/opt\/cloudhsm\/bin\/cloudhsm-cli interactive\n +aws-cloudhsm > login --username admin --role admin\n/);
  assert.match(text, /Or with cloudhsm_mgmt_util \/ key_mgmt_util:\n(?:.*\n)*? +aws-cloudhsm>changePswd CU kmsuser <new-kmsuser-password>\n/);
  assert.match(text, /\n1 error, 0 warnings\. Exit status 1: findings\.\n$/);
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(renderText(r, { color: true }), /\x1b\[31m\[error\]\x1b\[0m/);
});

test('healthy, and could not check', () => {
  assert.match(renderText(run(facts())), /  no problem found\n\n0 errors, 0 warnings\. Exit status 0: healthy\.\n$/);
  const text = renderText(couldNotCheck({ checkedAt: 0, region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', deep: false }, 'DescribeCustomKeyStores could not reach the endpoint (ECONNREFUSED)'));
  assert.equal(text, 'keywarden doctor: could not check the custom key stores in eu-west-1 at http://127.0.0.1:9.\n  DescribeCustomKeyStores could not reach the endpoint (ECONNREFUSED)\n\nExit status 2: could not check.\n');
});
