import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { rejectsWith } from '../../test/support/cluster-deps.js';
import { ADMIN_PASSWORD, KMSUSER_PASSWORD, keyStoreWorld, readyWorld, SCOPE, testCa, type KeyStoreWorld } from '../../test/support/keystore-world.js';
import type { ClusterRecord } from '../cluster/model.js';
import { LeasedJobs } from '../core/leases.js';
import { leaseStoreOn } from '../storage/sqlite/lease-store.js';
import { createKeyStoreServices } from './services.js';

describe('connecting a custom key store', () => {
  let w: KeyStoreWorld;
  let cluster: ClusterRecord;
  let id: string;

  /** A store for a fresh cluster (default: two zones, two HSMs), or for `ready`. */
  async function store(opts?: { zones?: number; hsms?: number }, ready?: ClusterRecord): Promise<string> {
    cluster = ready ?? (await w.activeCluster(opts));
    return w.ks.stores.create(SCOPE, {
      name: `store-${cluster.clusterId}`,
      clusterId: cluster.clusterId,
      trustAnchor: (await testCa()).certificatePem,
      password: KMSUSER_PASSWORD,
    });
  }

  async function connect(): Promise<{ state: string; code?: string }> {
    await w.ks.stores.connect(SCOPE, id);
    await w.settle(id);
    const s = await w.ks.stores.get(SCOPE, id);
    return s.connectionErrorCode ? { state: s.connectionState, code: s.connectionErrorCode } : { state: s.connectionState };
  }

  /** Disconnect, then connect again: the repair loop of the troubleshooting guide. */
  async function reconnect() {
    await w.ks.stores.disconnect(SCOPE, id);
    return connect();
  }

  const asAdmin = async <T>(work: (session: string) => Promise<T>): Promise<T> => {
    const session = await w.login(cluster.clusterId, 'admin', ADMIN_PASSWORD, 'admin');
    try {
      return await work(session);
    } finally {
      await w.hsm.users.logout(SCOPE, cluster.clusterId, session);
    }
  };
  const setKmsuserPassword = (password: string) =>
    asAdmin((s) => w.hsm.users.changePassword(SCOPE, cluster.clusterId, s, { username: 'kmsuser', role: 'crypto-user', password }));
  const kmsSessions = async () => (await w.hsm.sessions.ofUser(cluster.clusterId, 'kmsuser')).map((s) => s.client);

  beforeEach(async () => {
    const ready = await readyWorld();
    w = ready.w;
    id = await store(undefined, ready.cluster);
  });
  afterEach(() => w.close());

  it('returns at once with the store CONNECTING; the attempt logs in as kmsuser, rotates its password and stays logged in', async () => {
    await w.ks.stores.connect(SCOPE, id);
    assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'CONNECTING');
    assert.equal(w.scheduled, 1, 'the worker was kicked');
    assert.equal(await w.settle(id), 'CONNECTED');
    assert.deepEqual(await kmsSessions(), ['kms']);
    // The password the owner gave no longer works: only the service knows the new one.
    const owner = await w.ks.stores.get(SCOPE, id);
    assert.equal(owner.sealedSession !== undefined, true);
    await rejectsWith(w.login(cluster.clusterId, 'kmsuser', KMSUSER_PASSWORD), 'HsmAccessDenied', /password is not correct/);
    // While connected, nobody can reset kmsuser's password.
    await rejectsWith(setKmsuserPassword('Another1'), 'HsmInvalidRequest', /logged in.*KMS/);
    assert.deepEqual(
      w.events.map((e) => [e.eventName, e.additionalEventData?.connectionState]),
      [['ConnectCustomKeyStore', 'CONNECTED']],
    );
  });

  it('connecting a CONNECTING or CONNECTED store changes nothing', async () => {
    await w.ks.stores.connect(SCOPE, id);
    await w.ks.stores.connect(SCOPE, id);
    assert.equal((await w.ks.stores.get(SCOPE, id)).attempt, 1);
    await w.settle(id);
    await w.ks.stores.connect(SCOPE, id);
    assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'CONNECTED');
  });

  it('disconnecting logs the service out: kmsuser can be reset and used by a person again', async () => {
    await connect();
    await w.ks.stores.disconnect(SCOPE, id);
    const s = await w.ks.stores.get(SCOPE, id);
    assert.equal(s.connectionState, 'DISCONNECTED');
    assert.equal(s.sealedSession, undefined);
    assert.deepEqual(await kmsSessions(), []);
    await setKmsuserPassword('TempPassword1');
    await w.login(cluster.clusterId, 'kmsuser', 'TempPassword1');
    await rejectsWith(w.ks.stores.disconnect(SCOPE, id), 'CustomKeyStoreInvalidStateException', /is DISCONNECTED/);
  });

  it('a disconnect while CONNECTING wins: the attempt that was under way leaves no session behind', async () => {
    await w.ks.stores.connect(SCOPE, id);
    await w.ks.stores.disconnect(SCOPE, id);
    assert.equal(await w.settle(id), 'DISCONNECTED');
    assert.deepEqual(await kmsSessions(), []);
  });

  describe('fails fast, leaving the store DISCONNECTED, for the cluster\u2019s own state and configuration', () => {
    it('CloudHsmClusterNotActiveException for a cluster that is not ACTIVE', async () => {
      await w.cluster.store.clusters.update(SCOPE, cluster.clusterId, (c) => ({ ...c, state: 'DEGRADED' }));
      await rejectsWith(w.ks.stores.connect(SCOPE, id), 'CloudHsmClusterNotActiveException', /is DEGRADED, not ACTIVE/);
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'DISCONNECTED');
    });

    it('CloudHsmClusterInvalidConfigurationException for subnets in fewer than two zones', async () => {
      await w.cluster.store.clusters.update(SCOPE, cluster.clusterId, (c) => ({ ...c, subnetMapping: { 'us-east-1a': c.subnetMapping['us-east-1a']! } }));
      await rejectsWith(w.ks.stores.connect(SCOPE, id), 'CloudHsmClusterInvalidConfigurationException', /subnets in 1 Availability Zone/);
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'DISCONNECTED');
    });
  });

  describe('ends FAILED with the code for each cause, and connects after the repair', () => {
    const deleteHsms = async () => {
      for (const h of cluster.hsms) await w.cluster.s.clusters.deleteHsm(SCOPE, cluster.clusterId, { hsmId: h.hsmId });
      await w.cluster.s.clusters.get(SCOPE, cluster.clusterId);
    };

    it('CLUSTER_NOT_FOUND when the cluster was deleted', async () => {
      await deleteHsms();
      await w.cluster.s.clusters.delete(SCOPE, cluster.clusterId);
      assert.equal(await w.cluster.s.clusters.find(SCOPE, cluster.clusterId), undefined);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'CLUSTER_NOT_FOUND' });
    });

    it('INSUFFICIENT_CLOUDHSM_HSMS when the cluster has no active HSM', async () => {
      await deleteHsms();
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'INSUFFICIENT_CLOUDHSM_HSMS' });
      await w.cluster.s.clusters.createHsm(SCOPE, cluster.clusterId, { availabilityZone: 'us-east-1a' });
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
    });

    it('SUBNET_NOT_FOUND when a subnet of the cluster was deleted', async () => {
      w.close();
      w = await keyStoreWorld();
      id = await store({ zones: 3, hsms: 2 });
      const unused = Object.values(cluster.subnetMapping).find((sid) => !cluster.hsms.some((h) => h.subnetId === sid))!;
      await w.cluster.s.network.deleteSubnet(SCOPE, unused);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'SUBNET_NOT_FOUND' });
    });

    it('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET when one subnet has no free address', async () => {
      const [subnet] = Object.values(cluster.subnetMapping);
      await w.cluster.s.network.setFreeAddresses(SCOPE, subnet!, 0);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET' });
      await w.cluster.s.network.setFreeAddresses(SCOPE, subnet!, 1);
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
    });

    it('NETWORK_ERRORS while the network path to the cluster is cut', async () => {
      await w.faults.set('NETWORK_CUT', cluster.clusterId);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'NETWORK_ERRORS' });
      await w.faults.clear('NETWORK_CUT', cluster.clusterId);
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
    });

    it('INTERNAL_ERROR once for the one-shot fault', async () => {
      await w.faults.set('CONNECT_INTERNAL_ERROR', id);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'INTERNAL_ERROR' });
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
      assert.deepEqual(w.faults.list(), []);
    });

    it('USER_NOT_FOUND without a kmsuser; creating it and updating the password repairs it', async () => {
      await asAdmin((s) => w.hsm.users.remove(SCOPE, cluster.clusterId, s, { username: 'kmsuser', role: 'crypto-user' }));
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'USER_NOT_FOUND' });
      await asAdmin((s) => w.hsm.users.create(SCOPE, cluster.clusterId, s, { username: 'kmsuser', role: 'crypto-user', password: 'NewKmsuser1' }));
      await w.ks.stores.disconnect(SCOPE, id);
      await w.ks.stores.update(SCOPE, id, { password: 'NewKmsuser1' });
      assert.deepEqual(await connect(), { state: 'CONNECTED' });
    });

    it('USER_LOGGED_IN while someone is logged in as kmsuser, even with the right password; logging out repairs it', async () => {
      const person = await w.login(cluster.clusterId, 'kmsuser', KMSUSER_PASSWORD);
      assert.deepEqual(await connect(), { state: 'FAILED', code: 'USER_LOGGED_IN' });
      await w.hsm.users.logout(SCOPE, cluster.clusterId, person);
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
    });

    it('INVALID_CREDENTIALS with a wrong password, each counting toward the lockout: the sixth attempt is USER_LOCKED_OUT', async () => {
      await setKmsuserPassword('ChangedByAdmin1');
      const codes = [(await connect()).code];
      for (let i = 0; i < 5; i++) codes.push((await reconnect()).code);
      assert.deepEqual(codes, ['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'USER_LOCKED_OUT']);
      const [kmsuser] = (await w.hsm.users.list(SCOPE, cluster.clusterId)).filter((u) => u.username === 'kmsuser');
      assert.equal(kmsuser?.locked, true);
      // The repair: an admin sets a known password (which unlocks), the store is told it.
      await w.ks.stores.disconnect(SCOPE, id);
      await setKmsuserPassword('KnownAgain1');
      await w.ks.stores.update(SCOPE, id, { password: 'KnownAgain1' });
      assert.deepEqual(await connect(), { state: 'CONNECTED' });
    });

    it('a FAILED store cannot be connected until it is disconnected; the code goes with the failure', async () => {
      await w.faults.set('NETWORK_CUT', cluster.clusterId);
      await connect();
      await rejectsWith(w.ks.stores.connect(SCOPE, id), 'CustomKeyStoreInvalidStateException', /is FAILED.*disconnected first/);
      await w.ks.stores.disconnect(SCOPE, id);
      const s = await w.ks.stores.get(SCOPE, id);
      assert.equal(s.connectionState, 'DISCONNECTED');
      assert.equal(s.connectionErrorCode, undefined);
      const failed = w.events.find((e) => e.errorCode === 'NETWORK_ERRORS');
      assert.equal(failed?.additionalEventData?.customKeyStoreId, id);
      assert.equal(failed?.additionalEventData?.connectionState, 'FAILED');
    });
  });

  describe('a kmsuser password rotation a crash cut short', () => {
    /** Outcomes of the service's own kmsuser logins, in order: 'ok' or the HSM failure reason. */
    let logins: string[];
    /** What happens once the cluster was asked to change kmsuser's password: the crash, or nothing. */
    let crash: 'before' | 'after' | undefined;

    beforeEach(() => {
      logins = [];
      crash = undefined;
      const users = w.hsm.users;
      const login = users.login.bind(users);
      users.login = async (scope, clusterId, who, client) => {
        try {
          const session = await login(scope, clusterId, who, client);
          if (client === 'kms') logins.push('ok');
          return session;
        } catch (err) {
          if (client === 'kms') logins.push((err as { reason?: string }).reason ?? 'error');
          throw err;
        }
      };
      const changePassword = users.changePassword.bind(users);
      users.changePassword = async (...args) => {
        if (crash === 'before') throw new Error('the service died before the cluster changed the password');
        const changed = await changePassword(...args);
        if (crash === 'after') throw new Error('the service died before it recorded the new password');
        return changed;
      };
    });

    /** Starts a connection whose attempt dies where `crash` says; the store is left CONNECTING, as after a crash. */
    async function crashedAttempt(where: 'before' | 'after') {
      crash = where;
      await w.ks.stores.connect(SCOPE, id);
      await assert.rejects(w.ks.worker.runDue(), /the service died/);
      crash = undefined;
      const left = await w.repo.get(SCOPE, id);
      assert.equal(left?.connectionState, 'CONNECTING');
      assert.notEqual(left?.sealedPendingPassword, undefined, 'the new password was recorded before the cluster was asked to change it');
      logins = [];
    }

    it('after the cluster took the new password, the next attempt logs in with it, at the cost of one failed login, and settles it', async () => {
      await crashedAttempt('after');
      // What the maintenance task does after a restart: run the due attempt again.
      assert.equal(await w.settle(id), 'CONNECTED');
      assert.deepEqual(logins, ['LOGIN_FAILED', 'ok']);
      const s = await w.repo.get(SCOPE, id);
      assert.equal(s?.sealedPendingPassword, undefined);
      assert.deepEqual(await kmsSessions(), ['kms']);
      // The password recorded is the cluster's: connecting again needs no second try.
      logins = [];
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
      assert.deepEqual(logins, ['ok']);
      const [kmsuser] = (await w.hsm.users.list(SCOPE, cluster.clusterId)).filter((u) => u.username === 'kmsuser');
      assert.equal(kmsuser?.failedLogins, 0);
    });

    it('before the cluster took it, the current password still works and the pending one is dropped without a failed login', async () => {
      await crashedAttempt('before');
      assert.equal(await w.settle(id), 'CONNECTED');
      assert.deepEqual(logins, ['ok']);
      assert.equal((await w.repo.get(SCOPE, id))?.sealedPendingPassword, undefined);
      logins = [];
      assert.deepEqual(await reconnect(), { state: 'CONNECTED' });
      assert.deepEqual(logins, ['ok']);
    });

    it('when neither is the cluster\u2019s (an admin set another), INVALID_CREDENTIALS; the pending one is tried once only', async () => {
      await crashedAttempt('after');
      await setKmsuserPassword('ChangedByAdmin1');
      assert.equal(await w.settle(id), 'FAILED');
      assert.deepEqual(logins, ['LOGIN_FAILED', 'LOGIN_FAILED']);
      assert.equal((await w.repo.get(SCOPE, id))?.sealedPendingPassword, undefined);
      logins = [];
      assert.deepEqual(await reconnect(), { state: 'FAILED', code: 'INVALID_CREDENTIALS' });
      assert.deepEqual(logins, ['LOGIN_FAILED']);
      // The repair of the guide still works: the owner tells the store the password.
      await w.ks.stores.disconnect(SCOPE, id);
      await w.ks.stores.update(SCOPE, id, { password: 'ChangedByAdmin1' });
      assert.deepEqual(await connect(), { state: 'CONNECTED' });
    });

    it('the owner\u2019s new password replaces a pending one', async () => {
      await crashedAttempt('before');
      await w.ks.stores.disconnect(SCOPE, id);
      await w.ks.stores.update(SCOPE, id, { password: KMSUSER_PASSWORD });
      assert.equal((await w.repo.get(SCOPE, id))?.sealedPendingPassword, undefined);
      assert.deepEqual(await connect(), { state: 'CONNECTED' });
      assert.deepEqual(logins, ['ok']);
    });

    it('a kmsuser session the service opened and recorded nowhere does not keep the store from connecting', async () => {
      // What an attempt a crash cut short between the login and CONNECTED leaves in the cluster.
      await w.hsm.users.login(SCOPE, cluster.clusterId, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PASSWORD }, 'kms');
      assert.deepEqual(await kmsSessions(), ['kms']);
      assert.deepEqual(await connect(), { state: 'CONNECTED' });
      assert.deepEqual(await kmsSessions(), ['kms'], 'only the session of this connection is left');
    });
  });

  describe('on several nodes of one store', () => {
    /** Another node: its own connect worker over the same store, both claiming jobs through the same leases. */
    const nodes = () => {
      const leases = leaseStoreOn(w.cluster.db);
      return ['node-a', 'node-b'].map((holder) => createKeyStoreServices({ ...w.ksDeps, jobs: new LeasedJobs(leases, { holder, ttlMs: 10_000 }) }));
    };

    it('a connection asked of one node is made once, whichever nodes run their due attempts at once', async () => {
      const [a, b] = nodes();
      await a!.stores.connect(SCOPE, id);
      const kmsuserLogins = () => w.hsm.users.list(SCOPE, cluster.clusterId).then((users) => users.find((u) => u.username === 'kmsuser')?.failedLogins);
      await Promise.all([a!.worker.runDue(), b!.worker.runDue(), b!.worker.runDue()]);
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'CONNECTED');
      assert.deepEqual(await kmsSessions(), ['kms']);
      assert.equal(await kmsuserLogins(), 0, 'no node logged in with a password another had already rotated');
      assert.deepEqual(
        w.events.map((e) => [e.eventName, e.additionalEventData?.connectionState]),
        [['ConnectCustomKeyStore', 'CONNECTED']],
      );
    });

    it('the node that answered ConnectCustomKeyStore need not be the one that connects: another finishes the attempt', async () => {
      const [a, b] = nodes();
      await a!.stores.connect(SCOPE, id);
      // Node a stops here (its timer never fires); node b's maintenance finds the attempt due.
      assert.equal(await b!.worker.runDue(), 1);
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'CONNECTED');
      assert.equal(await a!.worker.runDue(), 0);
      assert.equal(w.events.length, 1);
    });
  });
});
