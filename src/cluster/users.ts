import type { Random } from '../core/random.js';
import type { ClusterContents, Served } from './content.js';
import { HsmAccessDenied, HsmInvalidRequest, HsmNotFound } from './hsm-errors.js';
import type { ClusterContent, HsmRole, HsmSession, HsmUser, Scope } from './model.js';
import { checkPassword, checkUsername, hashPassword, verifyPassword } from './passwords.js';
import type { HsmSessions } from './sessions.js';

/** Consecutive failed logins that lock a user (clusters created after February 2018). */
export const LOCKOUT_THRESHOLD = 5;

/** The cluster engineer's INITIALIZED → ACTIVE transition, run once the admin password is set. */
export type ActivateCluster = (scope: Scope, clusterId: string) => Promise<unknown>;

export interface UserView {
  userId: number;
  username: string;
  role: HsmRole;
  locked: boolean;
  failedLogins: number;
}

export interface Credentials {
  username: string;
  role: HsmRole;
  password: string;
}

export interface UserDeps {
  contents: ClusterContents;
  sessions: HsmSessions;
  random: Random;
  activate: ActivateCluster;
}

/** Roles an admin may give a new user. */
const CREATABLE: ReadonlySet<HsmRole> = new Set<HsmRole>(['admin', 'crypto-user']);

/**
 * The users of a cluster, as every HSM of it holds them: the crypto officer `admin` and crypto
 * users such as `kmsuser`. Logins, lockout after five failures, password changes (which unlock),
 * creation and deletion follow the CloudHSM CLI reference; see each method.
 */
export class ClusterUsers {
  constructor(private readonly deps: UserDeps) {}

  /** Needs no login, only a cluster that serves. */
  async list(scope: Scope, clusterId: string): Promise<UserView[]> {
    const { content } = await this.deps.contents.serving(scope, clusterId);
    return content.users.map(view);
  }

  /**
   * Logs in and opens a session. A wrong password counts a failure and the fifth in a row locks
   * the user; a locked user is refused even with the right password; success resets the count.
   */
  async login(scope: Scope, clusterId: string, who: Credentials, client: HsmSession['client'] = 'cli'): Promise<HsmSession> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const username = who.username.toLowerCase();
    const user = served.content.users.find((u) => u.username === username);
    if (!user) throw new HsmAccessDenied('USER_NOT_FOUND', `Login failed: there is no user ${username} in cluster ${clusterId}.`);
    if (!roleMatches(who.role, user.role)) {
      throw new HsmAccessDenied('LOGIN_FAILED', `Login failed: ${username} is ${article(user.role)} ${user.role}, not ${article(who.role)} ${who.role}.`);
    }
    if (user.locked) throw lockedOut(username);
    if (!(await verifyPassword(who.password, user.passwordHash))) {
      const after = await this.deps.contents.change(served.cluster, (c) =>
        withUser(c, username, (u) => {
          const failedLogins = u.failedLogins + 1;
          return { ...u, failedLogins, locked: u.locked || failedLogins >= LOCKOUT_THRESHOLD };
        }),
      );
      const failed = after.users.find((u) => u.username === username);
      const message = failed?.locked
        ? `Login failed: the password is not correct, and ${username} is now locked after ${LOCKOUT_THRESHOLD} failed logins. An admin must set a new password (user change-password) to unlock it.`
        : `Login failed: the password is not correct (${failed?.failedLogins ?? 1} of ${LOCKOUT_THRESHOLD} failed logins before ${username} is locked).`;
      throw new HsmAccessDenied('LOGIN_FAILED', message);
    }
    const session = await this.deps.sessions.open(served.cluster, username, user.role, client);
    try {
      await this.deps.contents.change(served.cluster, (c) =>
        withUser(c, username, (u) => {
          // A concurrent failure may have locked the user, or an admin reset the password meanwhile.
          if (u.locked) throw lockedOut(username);
          if (u.passwordHash !== user.passwordHash) throw new HsmAccessDenied('LOGIN_FAILED', 'Login failed: the password changed during the login; try again.');
          return u.failedLogins === 0 ? u : { ...u, failedLogins: 0 };
        }),
      );
    } catch (err) {
      await this.deps.sessions.close(session.sessionId);
      throw err;
    }
    return session;
  }

  async logout(scope: Scope, clusterId: string, sessionId: string): Promise<void> {
    await this.deps.contents.cluster(scope, clusterId);
    await this.deps.sessions.require(clusterId, sessionId);
    await this.deps.sessions.close(sessionId);
  }

  /** The session and the user it belongs to (for a tool resuming a session it left open). */
  async whoAmI(scope: Scope, clusterId: string, sessionId: string): Promise<{ session: HsmSession; user: UserView }> {
    await this.deps.contents.cluster(scope, clusterId);
    const session = await this.deps.sessions.require(clusterId, sessionId);
    const { content } = await this.deps.contents.serving(scope, clusterId);
    const user = content.users.find((u) => u.username === session.username);
    if (!user) throw new HsmAccessDenied('NOT_LOGGED_IN', `The user of this session, ${session.username}, no longer exists in cluster ${clusterId}.`);
    return { session, user: view(user) };
  }

  /** Admins only. */
  async create(scope: Scope, clusterId: string, sessionId: string, who: Credentials): Promise<UserView> {
    const served = await this.deps.contents.serving(scope, clusterId);
    await this.caller(served, sessionId, 'admin', 'create users');
    if (!CREATABLE.has(who.role)) throw new HsmInvalidRequest('INVALID_INPUT', `A new user's role is admin or crypto-user, not ${who.role}.`);
    const username = checkUsername(who.username);
    checkPassword(who.password);
    if (served.content.users.some((u) => u.username === username)) throw exists(username);
    const passwordHash = await hashPassword(who.password, this.deps.random);
    const content = await this.deps.contents.change(served.cluster, (c) => {
      if (c.users.some((u) => u.username === username)) throw exists(username);
      const userId = c.users.reduce((max, u) => Math.max(max, u.userId), 0) + 1;
      return { ...c, users: [...c.users, { userId, username, role: who.role, passwordHash, failedLogins: 0, locked: false }] };
    });
    return view(content.users.find((u) => u.username === username)!);
  }

  /** Admins only; not a user who is logged in or who owns keys. */
  async remove(scope: Scope, clusterId: string, sessionId: string, target: { username: string; role: HsmRole }): Promise<UserView> {
    const served = await this.deps.contents.serving(scope, clusterId);
    await this.caller(served, sessionId, 'admin', 'delete users');
    if (!CREATABLE.has(target.role)) throw new HsmInvalidRequest('INVALID_INPUT', `Only admin and crypto-user users can be deleted, not ${target.role}.`);
    const user = findTarget(served.content, clusterId, target);
    if ((await this.deps.sessions.ofUser(clusterId, user.username)).length > 0) {
      throw new HsmInvalidRequest('USER_LOGGED_IN', `${user.username} is logged in; a user who is logged in cannot be deleted. Log it out first.`);
    }
    const check = (c: ClusterContent) => {
      const owned = c.keys.filter((k) => k.owner === user.username).length;
      if (owned > 0) {
        throw new HsmInvalidRequest('USER_OWNS_KEYS', `${user.username} owns ${owned} key${owned === 1 ? '' : 's'}; a user who owns keys cannot be deleted. Delete the keys first.`);
      }
    };
    check(served.content);
    await this.deps.contents.change(served.cluster, (c) => {
      check(c);
      return {
        ...c,
        users: c.users.filter((u) => u.username !== user.username),
        keys: c.keys.map((k) => (k.sharedUsers.includes(user.username) ? { ...k, sharedUsers: k.sharedUsers.filter((s) => s !== user.username) } : k)),
      };
    });
    return view(user);
  }

  /**
   * Anyone may change their own password; admins may change anyone's, without the old one, and
   * that unlocks a locked user. Refused while the user is logged in anywhere else: that is why
   * KMS, logged in as kmsuser while a key store is connected, blocks a reset of its password, and
   * why a tool left logged in as kmsuser makes the key store's next connect fail (USER_LOGGED_IN).
   * The precrypto officer changing its own password activates the cluster (cloudhsm_mgmt_util's way).
   */
  async changePassword(scope: Scope, clusterId: string, sessionId: string, who: Credentials): Promise<UserView> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const { session, user: caller } = await this.caller(served, sessionId);
    const target = findTarget(served.content, clusterId, who);
    const self = target.username === caller.username;
    if (!self && caller.role !== 'admin') {
      throw new HsmAccessDenied('PERMISSION_DENIED', `${caller.username} (${caller.role}) may change only its own password; only an admin may change ${target.username}'s.`);
    }
    checkPassword(who.password);
    const elsewhere = (await this.deps.sessions.ofUser(clusterId, target.username)).filter((s) => s.sessionId !== session.sessionId);
    if (elsewhere.length > 0) {
      throw new HsmInvalidRequest(
        'USER_LOGGED_IN',
        `${target.username} is logged in (${elsewhere.length} session${elsewhere.length === 1 ? '' : 's'}${elsewhere.some((s) => s.client === 'kms') ? ', including KMS for a connected custom key store' : ''}); the password of a user who is logged in cannot be changed.`,
      );
    }
    const passwordHash = await hashPassword(who.password, this.deps.random);
    const activates = target.role === 'unactivated-admin';
    const content = await this.deps.contents.change(served.cluster, (c) =>
      withUser(c, target.username, (u) => ({ ...u, passwordHash, failedLogins: 0, locked: false, role: u.role === 'unactivated-admin' ? 'admin' : u.role })),
    );
    if (activates && served.cluster.state === 'INITIALIZED') await this.deps.activate(scope, clusterId);
    return view(content.users.find((u) => u.username === target.username)!);
  }

  /**
   * CloudHSM CLI's `cluster activate`: sets the admin password of an INITIALIZED cluster, turning
   * the precrypto officer into `admin`, then moves the cluster to ACTIVE.
   */
  async activate(scope: Scope, clusterId: string, password: string): Promise<void> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const preco = served.content.users.find((u) => u.role === 'unactivated-admin');
    if (served.cluster.state !== 'INITIALIZED' || !preco) {
      throw new HsmInvalidRequest('CLUSTER_ALREADY_ACTIVE', `Cluster ${clusterId} is already activated (state ${served.cluster.state}).`);
    }
    checkPassword(password);
    const passwordHash = await hashPassword(password, this.deps.random);
    // The content changes first: activating takes a backup, which must hold the new admin.
    await this.deps.contents.change(served.cluster, (c) =>
      withUser(c, preco.username, (u) => {
        if (u.role !== 'unactivated-admin') throw new HsmInvalidRequest('CLUSTER_ALREADY_ACTIVE', `Cluster ${clusterId} is already activated.`);
        return { ...u, role: 'admin', passwordHash, failedLogins: 0, locked: false };
      }),
    );
    await this.deps.activate(scope, clusterId);
  }

  /** The logged-in user behind a session, optionally required to hold `role`. */
  private async caller(served: Served, sessionId: string, role?: HsmRole, action?: string): Promise<{ session: HsmSession; user: HsmUser }> {
    const session = await this.deps.sessions.require(served.cluster.clusterId, sessionId);
    const user = served.content.users.find((u) => u.username === session.username);
    if (!user) throw new HsmAccessDenied('NOT_LOGGED_IN', `The user of this session, ${session.username}, no longer exists; log in again.`);
    if (role && user.role !== role) {
      const hint = user.role === 'unactivated-admin' ? ' Activate the cluster first (cluster activate).' : '';
      throw new HsmAccessDenied('PERMISSION_DENIED', `Only an ${role} can ${action}; you are logged in as ${user.username} (${user.role}).${hint}`);
    }
    return { session, user };
  }
}

/** CloudHSM CLI knows two login roles; the precrypto officer logs in with `admin` there. */
export function roleMatches(requested: HsmRole, actual: HsmRole): boolean {
  return requested === actual || (requested === 'admin' && actual === 'unactivated-admin');
}

function findTarget(content: ClusterContent, clusterId: string, who: { username: string; role: HsmRole }): HsmUser {
  const username = who.username.toLowerCase();
  const user = content.users.find((u) => u.username === username);
  if (!user || !roleMatches(who.role, user.role)) {
    throw new HsmNotFound('USER_NOT_FOUND', `There is no ${who.role} named ${username} in cluster ${clusterId}.`);
  }
  return user;
}

function withUser(content: ClusterContent, username: string, change: (u: HsmUser) => HsmUser): ClusterContent {
  if (!content.users.some((u) => u.username === username)) throw new HsmNotFound('USER_NOT_FOUND', `There is no user ${username}.`);
  return { ...content, users: content.users.map((u) => (u.username === username ? change(u) : u)) };
}

const view = (u: HsmUser): UserView => ({ userId: u.userId, username: u.username, role: u.role, locked: u.locked, failedLogins: u.failedLogins });

const lockedOut = (username: string) =>
  new HsmAccessDenied('USER_LOCKED_OUT', `Login failed: ${username} is locked after ${LOCKOUT_THRESHOLD} failed logins. An admin must set a new password (user change-password) to unlock it.`);

const exists = (username: string) => new HsmInvalidRequest('USER_EXISTS', `A user named ${username} already exists.`);

const article = (role: string) => (/^[aeiou]/.test(role) ? 'an' : 'a');
