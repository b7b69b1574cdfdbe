import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, hsmFixture, KMSUSER_PASSWORD, PRECO_PASSWORD, SCOPE, type HsmFixture } from '../../test/support/hsm-fixture.js';
import { type HsmFailure, isHsmError } from './hsm-errors.js';
import { checkPassword, checkUsername } from './passwords.js';

async function rejectsWith(promise: Promise<unknown>, reason: HsmFailure, type?: string): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isHsmError(err), `expected an HSM error, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    if (type) assert.equal(err.type, type);
    return err.message;
  }
  assert.fail(`expected a refusal with ${reason}`);
}

async function withCluster(body: (f: HsmFixture) => Promise<void>, opts?: { sessionsPerHsm?: number }) {
  const f = await hsmFixture(opts);
  try {
    await body(f);
  } finally {
    f.close();
  }
}

const ID = 'cluster-testabcdefg';
const user = async (f: HsmFixture, name: string) => (await f.users.list(SCOPE, ID)).find((u) => u.username === name);

test('passwords: 7-32 alphanumeric characters, exactly the seeds’ rule', () => {
  for (const ok of ['abcdefg', 'A1b2C3d', 'x'.repeat(32), 'tempPassword', '1234567']) checkPassword(ok);
  for (const bad of ['abcdef', 'x'.repeat(33), 'temp_Password', 'pass word', 'pässword1', 'secret!!', '']) {
    assert.throws(() => checkPassword(bad), /7-32 alphanumeric characters\. It is case-sensitive and cannot contain any special characters/);
  }
});

test('usernames: up to 31 letters, digits or underscores, stored in lower case', () => {
  assert.equal(checkUsername('KMS_User_1'), 'kms_user_1');
  assert.equal(checkUsername('a'.repeat(31)), 'a'.repeat(31));
  for (const bad of ['a'.repeat(32), '', 'kms-user', 'kms user', 'kms.user']) assert.throws(() => checkUsername(bad), /not a valid username/);
});

test('a new cluster holds the precrypto officer and app_user; cluster activate makes admin and the cluster ACTIVE', () =>
  withCluster(async (f) => {
    assert.deepEqual(
      (await f.users.list(SCOPE, ID)).map((u) => [u.userId, u.username, u.role, u.locked]),
      [
        [1, 'admin', 'unactivated-admin', false],
        [2, 'app_user', 'appliance', false],
      ],
    );
    await rejectsWith(f.users.activate(SCOPE, ID, 'short'), 'INVALID_INPUT');
    await f.users.activate(SCOPE, ID, ADMIN_PASSWORD);
    assert.equal((await user(f, 'admin'))?.role, 'admin');
    assert.equal((await f.clusters.get(SCOPE, ID))?.state, 'ACTIVE');
    await rejectsWith(f.users.activate(SCOPE, ID, ADMIN_PASSWORD), 'CLUSTER_ALREADY_ACTIVE');
    await f.login('admin', ADMIN_PASSWORD, 'admin');
  }));

test('the precrypto officer changing its own password activates the cluster (cloudhsm_mgmt_util)', () =>
  withCluster(async (f) => {
    const preco = (await f.users.login(SCOPE, ID, { username: 'admin', role: 'unactivated-admin', password: PRECO_PASSWORD })).sessionId;
    await rejectsWith(f.users.create(SCOPE, ID, preco, { username: 'bob', role: 'crypto-user', password: 'BobPassword1' }), 'PERMISSION_DENIED');
    const changed = await f.users.changePassword(SCOPE, ID, preco, { username: 'admin', role: 'unactivated-admin', password: ADMIN_PASSWORD });
    assert.equal(changed.role, 'admin');
    assert.equal((await f.clusters.get(SCOPE, ID))?.state, 'ACTIVE');
    await f.users.create(SCOPE, ID, preco, { username: 'bob', role: 'crypto-user', password: 'BobPassword1' });
  }));

test('the passwords are kept as scrypt hashes, never as given', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const stored = JSON.stringify(await f.store.contents.get(ID));
    for (const pw of [PRECO_PASSWORD, ADMIN_PASSWORD, KMSUSER_PASSWORD]) assert.ok(!stored.includes(pw));
    assert.match(stored, /"passwordHash":"scrypt\$[^$]+\$[^"]+"/);
  }));

test('only an admin creates users; names are case-insensitive and unique; bad input is refused', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    const created = await f.users.create(SCOPE, ID, admin, { username: 'Alice_1', role: 'admin', password: 'AlicePassword1' });
    assert.deepEqual([created.userId, created.username, created.role], [4, 'alice_1', 'admin']);
    await rejectsWith(f.users.create(SCOPE, ID, admin, { username: 'ALICE_1', role: 'crypto-user', password: 'AlicePassword1' }), 'USER_EXISTS');
    await rejectsWith(f.users.create(SCOPE, ID, admin, { username: 'bob', role: 'crypto-user', password: 'weak' }), 'INVALID_INPUT');
    await rejectsWith(f.users.create(SCOPE, ID, admin, { username: 'bob-1', role: 'crypto-user', password: 'BobPassword1' }), 'INVALID_INPUT');
    await rejectsWith(f.users.create(SCOPE, ID, admin, { username: 'bob', role: 'appliance', password: 'BobPassword1' }), 'INVALID_INPUT');
    const cu = await f.login('KMSUSER', KMSUSER_PASSWORD);
    await rejectsWith(f.users.create(SCOPE, ID, cu, { username: 'carol', role: 'crypto-user', password: 'CarolPassword1' }), 'PERMISSION_DENIED', 'HsmAccessDenied');
    await rejectsWith(f.users.create(SCOPE, ID, 'not-a-session', { username: 'carol', role: 'crypto-user', password: 'CarolPassword1' }), 'NOT_LOGGED_IN');
  }));

test('login: the role must be the user’s; an unknown user is USER_NOT_FOUND; neither counts a failure', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    await rejectsWith(f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'admin', password: KMSUSER_PASSWORD }), 'LOGIN_FAILED');
    await rejectsWith(f.users.login(SCOPE, ID, { username: 'nobody', role: 'crypto-user', password: KMSUSER_PASSWORD }), 'USER_NOT_FOUND');
    assert.equal((await user(f, 'kmsuser'))?.failedLogins, 0);
  }));

test('lockout: the fifth consecutive failure locks; the sixth login is refused even with the right password', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const wrong = { username: 'kmsuser', role: 'crypto-user' as const, password: 'WrongPassword1' };
    for (let i = 1; i <= 4; i++) {
      const message = await rejectsWith(f.users.login(SCOPE, ID, wrong), 'LOGIN_FAILED');
      assert.match(message, new RegExp(`${i} of 5 failed logins`));
      assert.equal((await user(f, 'kmsuser'))?.locked, false);
    }
    assert.match(await rejectsWith(f.users.login(SCOPE, ID, wrong), 'LOGIN_FAILED'), /now locked/);
    assert.deepEqual([(await user(f, 'kmsuser'))?.locked, (await user(f, 'kmsuser'))?.failedLogins], [true, 5]);
    await rejectsWith(f.users.login(SCOPE, ID, { ...wrong, password: KMSUSER_PASSWORD }), 'USER_LOCKED_OUT', 'HsmAccessDenied');
    assert.equal((await f.sessions.list(ID)).length, 0);
  }));

test('lockout: a successful login resets the count of failures', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const attempt = (password: string) => f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password });
    for (let i = 0; i < 4; i++) await rejectsWith(attempt('WrongPassword1'), 'LOGIN_FAILED');
    await f.users.logout(SCOPE, ID, (await attempt(KMSUSER_PASSWORD)).sessionId);
    assert.equal((await user(f, 'kmsuser'))?.failedLogins, 0);
    for (let i = 0; i < 4; i++) await rejectsWith(attempt('WrongPassword1'), 'LOGIN_FAILED');
    assert.equal((await user(f, 'kmsuser'))?.locked, false);
  }));

test('an admin password reset unlocks a locked user', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    for (let i = 0; i < 5; i++) await rejectsWith(f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password: 'WrongPassword1' }), 'LOGIN_FAILED');
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    const reset = await f.users.changePassword(SCOPE, ID, admin, { username: 'kmsuser', role: 'crypto-user', password: 'tempPassword' });
    assert.deepEqual([reset.locked, reset.failedLogins], [false, 0]);
    await f.login('kmsuser', 'tempPassword');
    await rejectsWith(f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD }), 'LOGIN_FAILED');
  }));

test('change-password: refused while the user is logged in elsewhere; allowed for yourself in your own session', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    const kms = (await f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD }, 'kms')).sessionId;
    const message = await rejectsWith(
      f.users.changePassword(SCOPE, ID, admin, { username: 'kmsuser', role: 'crypto-user', password: 'tempPassword' }),
      'USER_LOGGED_IN',
    );
    assert.match(message, /including KMS/);
    // KMS rotating the password of the user it is logged in as: its own session does not count.
    await f.users.changePassword(SCOPE, ID, kms, { username: 'kmsuser', role: 'crypto-user', password: 'RotatedByKms1' });
    // A second session (a person in a CLI tool) blocks that rotation: the USER_LOGGED_IN case.
    const person = await f.login('kmsuser', 'RotatedByKms1');
    await rejectsWith(f.users.changePassword(SCOPE, ID, kms, { username: 'kmsuser', role: 'crypto-user', password: 'RotatedAgain1' }), 'USER_LOGGED_IN');
    await f.users.logout(SCOPE, ID, person);
    await f.users.logout(SCOPE, ID, kms);
    await f.users.changePassword(SCOPE, ID, admin, { username: 'kmsuser', role: 'crypto-user', password: 'tempPassword' });
    await f.login('kmsuser', 'tempPassword');
  }));

test('change-password: a crypto user changes only its own; the target must exist with that role', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    await f.users.create(SCOPE, ID, admin, { username: 'bob', role: 'crypto-user', password: 'BobPassword1' });
    const kms = await f.login('kmsuser', KMSUSER_PASSWORD);
    await rejectsWith(f.users.changePassword(SCOPE, ID, kms, { username: 'bob', role: 'crypto-user', password: 'NewPassword1' }), 'PERMISSION_DENIED');
    await rejectsWith(f.users.changePassword(SCOPE, ID, admin, { username: 'bob', role: 'admin', password: 'NewPassword1' }), 'USER_NOT_FOUND', 'HsmNotFound');
    await rejectsWith(f.users.changePassword(SCOPE, ID, admin, { username: 'bob', role: 'crypto-user', password: 'bad pw!' }), 'INVALID_INPUT');
  }));

test('delete: admins only; not a user who is logged in or who owns keys', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    await f.users.create(SCOPE, ID, admin, { username: 'bob', role: 'crypto-user', password: 'BobPassword1' });
    const kms = await f.login('kmsuser', KMSUSER_PASSWORD);
    await f.keys.create(SCOPE, ID, kms, { label: 'owned' });
    await rejectsWith(f.users.remove(SCOPE, ID, kms, { username: 'bob', role: 'crypto-user' }), 'PERMISSION_DENIED');
    await rejectsWith(f.users.remove(SCOPE, ID, admin, { username: 'kmsuser', role: 'crypto-user' }), 'USER_LOGGED_IN');
    await f.users.logout(SCOPE, ID, kms);
    await rejectsWith(f.users.remove(SCOPE, ID, admin, { username: 'kmsuser', role: 'crypto-user' }), 'USER_OWNS_KEYS');
    await rejectsWith(f.users.remove(SCOPE, ID, admin, { username: 'nobody', role: 'crypto-user' }), 'USER_NOT_FOUND');
    assert.equal((await f.users.remove(SCOPE, ID, admin, { username: 'BOB', role: 'crypto-user' })).username, 'bob');
    assert.equal(await user(f, 'bob'), undefined);
  }));

test('a cluster with no ACTIVE HSM keeps its users but serves nothing until an HSM is back', () =>
  withCluster(async (f) => {
    await f.activateWithKmsuser();
    const kms = await f.login('kmsuser', KMSUSER_PASSWORD);
    const hsms = (await f.clusters.get(SCOPE, ID))!.hsms;
    await f.setHsms(ID, []);
    await rejectsWith(f.users.list(SCOPE, ID), 'NO_ACTIVE_HSM', 'HsmUnavailable');
    await rejectsWith(f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD }), 'NO_ACTIVE_HSM');
    await rejectsWith(f.keys.list(SCOPE, ID, kms), 'NO_ACTIVE_HSM');
    await f.setHsms(ID, hsms.map((h) => ({ ...h, state: 'CREATE_IN_PROGRESS' })));
    await rejectsWith(f.users.list(SCOPE, ID), 'NO_ACTIVE_HSM');
    await f.setHsms(ID, hsms);
    assert.deepEqual((await f.users.list(SCOPE, ID)).map((u) => u.username), ['admin', 'app_user', 'kmsuser']);
    assert.deepEqual(await f.keys.list(SCOPE, ID, kms), [], 'the session opened before survives');
  }));

test('clusters that do not exist or are not initialized serve nothing', () =>
  withCluster(async (f) => {
    await rejectsWith(f.users.list(SCOPE, 'cluster-nosuchcluste'), 'CLUSTER_NOT_FOUND', 'HsmNotFound');
    await rejectsWith(f.users.list({ ...SCOPE, region: 'eu-west-1' }, ID), 'CLUSTER_NOT_FOUND');
    await f.addCluster('cluster-uninitialize', 'UNINITIALIZED', 1);
    await rejectsWith(f.users.list(SCOPE, 'cluster-uninitialize'), 'CLUSTER_NOT_READY');
    await f.addCluster('cluster-frombackupxx', 'ACTIVE', 1, { sourceBackupId: 'backup-abcdefghijk' });
    await rejectsWith(f.users.list(SCOPE, 'cluster-frombackupxx'), 'CLUSTER_NOT_READY');
  }));
