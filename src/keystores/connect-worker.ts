import { newPassword } from '../cluster/ids.js';
import { type HsmFailure, isHsmError } from '../cluster/hsm-errors.js';
import type { HsmSession } from '../cluster/model.js';
import { activeHsms } from '../cluster/sessions.js';
import type { JobOptions } from '../core/leases.js';
import type { BackingKeyHealth } from './backing-keys.js';
import { nextConnectionState } from './connection-states.js';
import { type KeyStoreDeps, openPassword, openSealedPassword, openSession, sealPassword, sealSession } from './context.js';
import type { ConnectionErrorCode, CustomKeyStoreRecord } from './model.js';

/** The crypto user every AWS CloudHSM key store logs in as. */
export const KMSUSER = 'kmsuser';
/** Length of the kmsuser password the service sets on connect (CloudHSM allows 7–32). */
const ROTATED_PASSWORD_LENGTH = 32;

/** An attempt's outcome; a successful one carries kmsuser's new password, sealed. */
type Attempt = { ok: true; session: HsmSession; sealedPassword: string } | { ok: false; code: ConnectionErrorCode; detail: string };

/** The job of a store's connection attempt, claimed by one node at a time. */
export const connectJob = (customKeyStoreId: string) => `keystores/connect/${customKeyStoreId}`;

/** The ConnectionErrorCode for a refused kmsuser login. */
export function loginFailureCode(reason: HsmFailure): ConnectionErrorCode {
  switch (reason) {
    case 'USER_NOT_FOUND':
      return 'USER_NOT_FOUND';
    case 'USER_LOCKED_OUT':
      return 'USER_LOCKED_OUT';
    // A wrong password, and each one counts toward the cluster's five-failure lockout.
    case 'LOGIN_FAILED':
      return 'INVALID_CREDENTIALS';
    case 'USER_LOGGED_IN':
      return 'USER_LOGGED_IN';
    case 'NO_ACTIVE_HSM':
      return 'INSUFFICIENT_CLOUDHSM_HSMS';
    case 'CLUSTER_NOT_FOUND':
      return 'CLUSTER_NOT_FOUND';
    default:
      return 'INTERNAL_ERROR';
  }
}

/**
 * The background half of ConnectCustomKeyStore. An attempt is due `connectDelayMs` after the call
 * (on the service clock); the scheduler starts it then and, after a restart or on another node's schedule, by the
 * maintenance task. It finds the cluster, checks the network (subnets, free addresses, the path
 * to the HSMs) and the HSMs, logs in as kmsuser with the password the service believes, rotates
 * that password to a random one only the service knows, and stays logged in: CONNECTED. Any step
 * that fails ends the attempt FAILED with the code for its cause.
 */
export class ConnectWorker {
  /** Attempts this process is making, by store id. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: KeyStoreDeps,
    private readonly health: BackingKeyHealth,
  ) {}

  /** Runs the due attempts once the service clock shows `dueMs`. */
  kick(dueMs: number): void {
    this.deps.scheduler.at(dueMs, () => this.runDue().catch((err) => this.deps.onError?.(err)));
  }

  /**
   * Every CONNECTING store whose attempt is due; a maintenance task. The attempt is the store's
   * record (CONNECTING, its attempt number and its due time), not something this process holds:
   * whichever node claims the store's job first makes it, whichever node answered the call.
   */
  async runDue(opts: JobOptions = {}): Promise<number> {
    const now = this.deps.clock.now();
    const connecting = await this.deps.stores.inState('CONNECTING');
    const due = connecting.filter((s) => (s.connectAt ?? 0) <= now);
    await Promise.all(due.map((s) => this.run(s, opts)));
    // A timer that fired a little early leaves its attempt for the next one, not for the schedule.
    const next = Math.min(...connecting.filter((s) => (s.connectAt ?? 0) > now).map((s) => s.connectAt!));
    if (Number.isFinite(next)) this.kick(next);
    return due.length;
  }

  /** Completes disconnections a stop interrupted (on this node or another); a maintenance task. */
  async finishDisconnects(): Promise<number> {
    const stuck = await this.deps.stores.inState('DISCONNECTING');
    for (const s of stuck) await this.finishDisconnect(s);
    return stuck.length;
  }

  /** Logs the service out of the cluster (best effort: the session is the service's to end) and records DISCONNECTED. */
  async finishDisconnect(store: CustomKeyStoreRecord): Promise<void> {
    const sessionId = openSession(this.deps.sealer, store);
    if (sessionId !== undefined) await this.logout(store, sessionId);
    await this.deps.stores.update(store, store.customKeyStoreId, (s) => {
      if (s.attempt !== store.attempt || nextConnectionState(s.connectionState, 'disconnected') === undefined) return s;
      const { connectionErrorCode: _c, sealedSession: _s, connectAt: _a, ...rest } = s;
      return { ...rest, connectionState: 'DISCONNECTED' };
    });
  }

  private async run(store: CustomKeyStoreRecord, opts: JobOptions): Promise<void> {
    const id = store.customKeyStoreId;
    const running = this.running.get(id);
    if (running) return opts.waitForOthers ? running : undefined;
    const attempt = (async () => {
      await this.deps.jobs.run(
        connectJob(id),
        async () => {
          // Read again under the claim: another node may have made this attempt meanwhile.
          const current = await this.deps.stores.get(store, id);
          if (current?.connectionState !== 'CONNECTING' || current.attempt !== store.attempt) return;
          await this.complete(current, await this.attempt(current));
        },
        opts,
      );
    })();
    this.running.set(id, attempt);
    try {
      await attempt;
    } finally {
      this.running.delete(id);
    }
  }

  private async attempt(store: CustomKeyStoreRecord): Promise<Attempt> {
    try {
      return await this.establish(store);
    } catch (err) {
      this.deps.onError?.(err);
      return { ok: false, code: 'INTERNAL_ERROR', detail: 'an unexpected error' };
    }
  }

  private async establish(store: CustomKeyStoreRecord): Promise<Attempt> {
    const { clusters, subnets, faults, hsm, sealer, random } = this.deps;
    const fail = (code: ConnectionErrorCode, detail: string): Attempt => ({ ok: false, code, detail });
    const clusterId = store.clusterId;
    if (await faults.consume('CONNECT_INTERNAL_ERROR', store.customKeyStoreId)) return fail('INTERNAL_ERROR', 'the CONNECT_INTERNAL_ERROR fault');

    const cluster = await clusters.find(store, clusterId);
    if (!cluster || cluster.state === 'DELETE_IN_PROGRESS' || cluster.state === 'DELETED') return fail('CLUSTER_NOT_FOUND', `cluster ${clusterId} does not exist`);
    // The network: one interface per subnet of the cluster, each on a free address.
    for (const subnetId of Object.values(cluster.subnetMapping)) {
      const subnet = await subnets.get(store, subnetId);
      if (!subnet) return fail('SUBNET_NOT_FOUND', `subnet ${subnetId} of the cluster was deleted`);
      if (subnet.freeAddresses < 1) return fail('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET', `subnet ${subnetId} has no free address`);
    }
    if (faults.networkCut(clusterId)) return fail('NETWORK_ERRORS', `the network path to cluster ${clusterId} is cut`);
    if (activeHsms(cluster).length === 0) return fail('INSUFFICIENT_CLOUDHSM_HSMS', `cluster ${clusterId} has no active HSM`);
    if (cluster.state !== 'ACTIVE') return fail('INTERNAL_ERROR', `cluster ${clusterId} is ${cluster.state}`);

    // A cluster backs one store only, and this one is not connected: a kmsuser session of the
    // service's on it was opened by an attempt a crash cut short, and recorded nowhere.
    for (const orphan of (await hsm.sessions.ofUser(clusterId, KMSUSER)).filter((s) => s.client === 'kms')) await this.logout(store, orphan.sessionId);
    // kmsuser logged in elsewhere keeps the service from rotating its password, whatever the password.
    if ((await hsm.sessions.ofUser(clusterId, KMSUSER)).length > 0) return fail('USER_LOGGED_IN', 'kmsuser is logged in to the cluster');
    let session: HsmSession;
    try {
      session = await this.login(store);
    } catch (err) {
      if (!isHsmError(err)) throw err;
      return fail(loginFailureCode(err.reason), err.message);
    }
    const password = newPassword(random, ROTATED_PASSWORD_LENGTH);
    // Recorded before the cluster changes, so that whatever happens next one of the two passwords
    // the store keeps is the cluster's.
    const sealedPassword = sealPassword(sealer, store.customKeyStoreId, password);
    await this.deps.stores.update(store, store.customKeyStoreId, (s) => ({ ...s, sealedPendingPassword: sealedPassword }));
    try {
      await hsm.users.changePassword(store, clusterId, session.sessionId, { username: KMSUSER, role: 'crypto-user', password });
    } catch (err) {
      await this.logout(store, session.sessionId);
      // Any other failure leaves the cluster's password unknown: the next attempt settles it.
      if (!isHsmError(err)) throw err;
      await this.settle(store, sealedPassword, false);
      return fail(err.reason === 'USER_LOGGED_IN' ? 'USER_LOGGED_IN' : 'INTERNAL_ERROR', err.message);
    }
    // Before CONNECTED shows: the keys of the store show their health as soon as it does.
    await this.health.check(store, session.sessionId);
    return { ok: true, session, sealedPassword };
  }

  /**
   * Logs in as kmsuser with the password the service holds as current. If a rotation a crash cut
   * short left one pending, and the current one is refused as wrong, the pending one is tried:
   * at most one more failed login toward the cluster's lockout of five, and only once, as the
   * pending password is settled whatever the outcome.
   */
  private async login(store: CustomKeyStoreRecord): Promise<HsmSession> {
    const { hsm, sealer } = this.deps;
    const as = (password: string) => hsm.users.login(store, store.clusterId, { username: KMSUSER, role: 'crypto-user', password }, 'kms');
    const pending = store.sealedPendingPassword;
    try {
      const session = await as(openPassword(sealer, store));
      // The rotation never reached the cluster.
      if (pending !== undefined) await this.settle(store, pending, false);
      return session;
    } catch (err) {
      if (pending === undefined || !isHsmError(err) || err.reason !== 'LOGIN_FAILED') throw err;
    }
    try {
      const session = await as(openSealedPassword(sealer, store.customKeyStoreId, pending));
      await this.settle(store, pending, true);
      return session;
    } catch (err) {
      // Neither is the cluster's (someone set another since): the pending one never will be again.
      if (isHsmError(err) && err.reason === 'LOGIN_FAILED') await this.settle(store, pending, false);
      throw err;
    }
  }

  /** The pending password `sealed` becomes the current one (`inCluster`) or goes, unless another took its place meanwhile. */
  private async settle(store: CustomKeyStoreRecord, sealed: string, inCluster: boolean): Promise<void> {
    await this.deps.stores.update(store, store.customKeyStoreId, (s) => {
      if (s.sealedPendingPassword !== sealed) return s;
      const { sealedPendingPassword: _p, ...rest } = s;
      return inCluster ? { ...rest, sealedPassword: sealed } : rest;
    });
  }

  /** Records the outcome, if the store still waits for this attempt, and reports it. */
  private async complete(store: CustomKeyStoreRecord, outcome: Attempt): Promise<void> {
    const { sealer, stores } = this.deps;
    let recorded = false;
    const current = (s: CustomKeyStoreRecord) => s.attempt === store.attempt && s.connectionState === 'CONNECTING';
    if (outcome.ok) {
      const { sealedPassword } = outcome;
      const sealedSession = sealSession(sealer, store.customKeyStoreId, outcome.session.sessionId);
      await stores.update(store, store.customKeyStoreId, (s) => {
        // The cluster has the new password now: it is no longer pending, and the service keeps it
        // even if the store moved on.
        const { sealedPendingPassword: pending, ...settled } = s;
        const kept = pending === sealedPassword ? settled : s;
        if (!current(s)) return { ...kept, sealedPassword };
        recorded = true;
        const { connectAt: _a, connectionErrorCode: _c, ...rest } = kept;
        return { ...rest, sealedPassword, sealedSession, connectionState: 'CONNECTED' };
      });
      if (!recorded) await this.logout(store, outcome.session.sessionId);
    } else {
      await stores.update(store, store.customKeyStoreId, (s) => {
        if (!current(s)) return s;
        recorded = true;
        const { connectAt: _a, ...rest } = s;
        return { ...rest, connectionState: 'FAILED', connectionErrorCode: outcome.code };
      });
    }
    if (recorded) await this.report(store, outcome);
  }

  private async report(store: CustomKeyStoreRecord, outcome: Attempt): Promise<void> {
    const data: Record<string, unknown> = {
      customKeyStoreId: store.customKeyStoreId,
      customKeyStoreName: store.name,
      clusterId: store.clusterId,
      connectionState: outcome.ok ? 'CONNECTED' : 'FAILED',
    };
    if (!outcome.ok) data.connectionErrorCode = outcome.code;
    try {
      await this.deps.events.emit({
        eventSource: 'kms.amazonaws.com',
        eventName: 'ConnectCustomKeyStore',
        accountId: store.accountId,
        region: store.region,
        eventTime: this.deps.clock.now(),
        requestParameters: null,
        responseElements: null,
        additionalEventData: data,
        readOnly: false,
        ...(outcome.ok ? {} : { errorCode: outcome.code, errorMessage: `The connection attempt failed: ${outcome.detail}.` }),
      });
    } catch (err) {
      this.deps.onError?.(err);
    }
  }

  private async logout(store: CustomKeyStoreRecord, sessionId: string): Promise<void> {
    try {
      await this.deps.hsm.users.logout(store, store.clusterId, sessionId);
    } catch {
      // Already gone: the cluster was deleted, or the session closed by other means.
    }
  }
}
