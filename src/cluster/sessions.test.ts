import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, hsm, hsmFixture, KMSUSER_PASSWORD, SCOPE, type HsmFixture } from '../../test/support/hsm-fixture.js';
import { isHsmError } from './hsm-errors.js';

const ID = 'cluster-testabcdefg';

async function withCluster(opts: { sessionsPerHsm?: number; hsmCount?: number }, body: (f: HsmFixture) => Promise<void>) {
  const f = await hsmFixture(opts);
  try {
    await f.activateWithKmsuser();
    await body(f);
  } finally {
    f.close();
  }
}

const noSessions = (err: unknown) => isHsmError(err) && err.reason === 'NO_SESSIONS' && err.type === 'HsmUnavailable';

test('sessions: each ACTIVE HSM holds a configured number; a login beyond them fails until one logs out', () =>
  withCluster({ sessionsPerHsm: 2 }, async (f) => {
    const a = await f.login('kmsuser', KMSUSER_PASSWORD);
    await f.login('admin', ADMIN_PASSWORD, 'admin');
    await assert.rejects(f.login('kmsuser', KMSUSER_PASSWORD), noSessions);
    await f.users.logout(SCOPE, ID, a);
    await f.login('kmsuser', KMSUSER_PASSWORD);
    await f.setHsms(ID, [hsm(0), hsm(1), hsm(2, 'CREATE_IN_PROGRESS')]);
    await f.login('kmsuser', KMSUSER_PASSWORD);
    await f.login('kmsuser', KMSUSER_PASSWORD);
    await assert.rejects(f.login('kmsuser', KMSUSER_PASSWORD), noSessions, 'an HSM still being created adds no room');
  }));

test('sessions: concurrent logins cannot both take the last place', () =>
  withCluster({ sessionsPerHsm: 3 }, async (f) => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => f.login('kmsuser', KMSUSER_PASSWORD)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => noSessions((r as PromiseRejectedResult).reason)));
    assert.equal((await f.sessions.list(ID)).length, 3);
  }));

test('sessions: a login lasts until logout, whoever opened it, and logging out twice is refused', () =>
  withCluster({}, async (f) => {
    const kms = await f.users.login(SCOPE, ID, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD }, 'kms');
    f.clock.advance(1_000);
    const cli = await f.login('admin', ADMIN_PASSWORD, 'admin');
    f.clock.advance(365 * 86_400_000);
    const open = await f.sessions.list(ID);
    assert.deepEqual(
      open.map((s) => [s.username, s.role, s.client]),
      [
        ['kmsuser', 'crypto-user', 'kms'],
        ['admin', 'admin', 'cli'],
      ],
    );
    assert.equal(open[0]!.openedAt, kms.openedAt);
    assert.equal((await f.users.whoAmI(SCOPE, ID, cli)).user.username, 'admin');
    await f.users.logout(SCOPE, ID, cli);
    await assert.rejects(f.users.logout(SCOPE, ID, cli), (e) => isHsmError(e) && e.reason === 'NOT_LOGGED_IN');
    assert.equal((await f.sessions.list(ID)).length, 1);
  }));

test('sessions: a session belongs to its cluster', () =>
  withCluster({}, async (f) => {
    await f.addCluster('cluster-otherabcdef', 'INITIALIZED', 1);
    await f.activateWithKmsuser('cluster-otherabcdef');
    const other = await f.login('kmsuser', KMSUSER_PASSWORD, 'crypto-user', 'cluster-otherabcdef');
    await assert.rejects(f.keys.list(SCOPE, ID, other), (e) => isHsmError(e) && e.reason === 'NOT_LOGGED_IN');
    await assert.rejects(f.users.logout(SCOPE, ID, other), (e) => isHsmError(e) && e.reason === 'NOT_LOGGED_IN');
  }));

test('sessions: cryptographic calls take a session each, so a burst beyond capacity fails with NO_SESSIONS', () =>
  withCluster({ sessionsPerHsm: 3 }, async (f) => {
    const kms = await f.login('kmsuser', KMSUSER_PASSWORD);
    const key = await f.keys.create(SCOPE, ID, kms, { label: 'burst' });
    const cluster = (await f.clusters.get(SCOPE, ID))!;
    // Two operations in progress fill the HSM (one login + two operation sessions = 3).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = [f.sessions.withOperation(cluster, () => gate), f.sessions.withOperation(cluster, () => gate)];
    await new Promise((r) => setImmediate(r));
    await assert.rejects(f.crypto.encrypt(SCOPE, ID, kms, key.id, Buffer.from('x')), noSessions);
    await assert.rejects(f.login('admin', ADMIN_PASSWORD, 'admin'), noSessions);
    release();
    await Promise.all(held);
    await f.crypto.encrypt(SCOPE, ID, kms, key.id, Buffer.from('x'));
  }));
