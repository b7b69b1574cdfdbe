import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { HsmAccessDenied, HsmUnavailable } from './hsm-errors.js';
import type { ClusterRecord, HsmRole, HsmSession } from './model.js';
import type { SessionRepository } from './repository.js';

/** Sessions one HSM holds at once unless configured otherwise. */
export const DEFAULT_SESSIONS_PER_HSM = 1024;

export const activeHsms = (cluster: ClusterRecord) => cluster.hsms.filter((h) => h.state === 'ACTIVE');

/**
 * The sessions open on a cluster's HSMs.
 *
 * A login session lasts until logout, and nothing else ends it: not the end of the command-line
 * tool that opened it, not a restart of the service, not the loss of every HSM (the cluster then
 * serves nothing, and the session works again once an HSM is back). That is what makes the seed
 * pages' warning reproducible: a `kmsuser` left logged in by a tool keeps the key store from
 * connecting (USER_LOGGED_IN) until someone runs `logout`. KMS's own login while a key store is
 * connected is a session like any other (client `kms`).
 *
 * Capacity is finite: each ACTIVE HSM holds `perHsm` sessions. Login sessions and the short
 * operation sessions that each cryptographic call takes (PKCS#11 sessions, in CloudHSM's terms)
 * share it, so a burst of calls beyond it fails the way the seeds describe (NO_SESSIONS).
 * Login sessions are counted in storage; operation sessions, and the guard that makes counting
 * and opening one step, are per process (several nodes on one database would each add their own).
 */
export class HsmSessions {
  /** Operation sessions in progress per cluster (in this process). */
  private readonly inFlight = new Map<string, number>();
  private readonly opening = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repo: SessionRepository,
    private readonly clock: Clock,
    private readonly random: Random,
    readonly perHsm: number = DEFAULT_SESSIONS_PER_HSM,
    /** A lower number of sessions per HSM for one cluster (the session-limit fault), if any. */
    private readonly limitFor: (clusterId: string) => number | undefined = () => undefined,
    /** Told when a login session ends, so that what an engine holds on the HSMs for it is free again. */
    private readonly onClosed: (sessionId: string) => void = () => undefined,
  ) {
    if (!Number.isInteger(perHsm) || perHsm < 1) throw new RangeError('sessions per HSM must be a positive integer');
  }

  capacity(cluster: ClusterRecord): number {
    return activeHsms(cluster).length * (this.limitFor(cluster.clusterId) ?? this.perHsm);
  }

  /** Opens a login session if the cluster's HSMs have room for one. */
  open(cluster: ClusterRecord, username: string, role: HsmRole, client: HsmSession['client']): Promise<HsmSession> {
    // Counting and opening are one step per cluster, so two logins cannot both take the last place.
    return this.serialized(cluster.clusterId, async () => {
      const open = (await this.repo.list(cluster.clusterId)).length + (this.inFlight.get(cluster.clusterId) ?? 0);
      if (open >= this.capacity(cluster)) throw noSessions(cluster, this.capacity(cluster));
      const session: HsmSession = {
        sessionId: this.random.bytes(24).toString('base64url'),
        clusterId: cluster.clusterId,
        username,
        role,
        client,
        openedAt: this.clock.now(),
      };
      await this.repo.open(session);
      return session;
    });
  }

  /** The open session `sessionId` on this cluster, or HsmAccessDenied (NOT_LOGGED_IN). */
  async require(clusterId: string, sessionId: string | undefined): Promise<HsmSession> {
    const session = sessionId ? await this.repo.get(sessionId) : undefined;
    if (!session || session.clusterId !== clusterId) {
      throw new HsmAccessDenied('NOT_LOGGED_IN', `You are not logged in to cluster ${clusterId}; log in first.`);
    }
    return session;
  }

  async close(sessionId: string): Promise<boolean> {
    const closed = await this.repo.close(sessionId);
    this.onClosed(sessionId);
    return closed;
  }

  list(clusterId: string): Promise<HsmSession[]> {
    return this.repo.list(clusterId);
  }

  async ofUser(clusterId: string, username: string): Promise<HsmSession[]> {
    return (await this.repo.list(clusterId)).filter((s) => s.username === username);
  }

  /** Runs one cryptographic operation in a session of its own, if the HSMs have room for one. */
  async withOperation<T>(cluster: ClusterRecord, work: () => Promise<T>): Promise<T> {
    const id = cluster.clusterId;
    // Take the place before counting, so concurrent calls see each other.
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    try {
      const logins = (await this.repo.list(id)).length;
      if (logins + this.inFlight.get(id)! > this.capacity(cluster)) throw noSessions(cluster, this.capacity(cluster));
      return await work();
    } finally {
      const left = (this.inFlight.get(id) ?? 1) - 1;
      if (left > 0) this.inFlight.set(id, left);
      else this.inFlight.delete(id);
    }
  }

  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.opening.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.opening.set(key, tail);
    void tail.then(() => {
      if (this.opening.get(key) === tail) this.opening.delete(key);
    });
    return result;
  }
}

/** `why`: what ran out, when it is an HSM's own limit rather than the cluster's count (`capacity`). */
export function noSessions(cluster: ClusterRecord, capacity: number | undefined, why?: string): HsmUnavailable {
  const what = why ?? `all ${capacity} are in use`;
  return new HsmUnavailable(
    'NO_SESSIONS',
    `The HSMs of cluster ${cluster.clusterId} have no session available (${what}). Back off and retry, or log out sessions you no longer need.`,
  );
}
