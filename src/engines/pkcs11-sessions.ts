import { EngineBusyError } from '../cluster/hsm-engine.js';

/** A session lent for one call; `done(broken)` gives it back, or closes it when a failed call may have left an operation active in it. */
export interface Lease<S> {
  session: S;
  done(broken?: boolean): void;
}

interface Bound<S> {
  session: S;
  busy: boolean;
  /** The login ended while a call still ran in its session: the session goes back to the pool when the call ends. */
  ended: boolean;
}

/**
 * The PKCS#11 sessions of one token. Opening a session costs a call to the token and counts
 * against its limit, so sessions are kept and lent again. A login session of Keywarden's model
 * (KMS's kmsuser session, say) is given a session of the token on its first call and keeps it
 * until it logs out, as a CloudHSM client holds a session per login; calls that overlap one
 * already running in it borrow another. When the token has no session left (its own limit, the
 * one configured, or the library's CKR_SESSION_COUNT) the call fails with EngineBusyError at
 * once, as an HSM out of sessions does: the caller backs off and retries.
 */
export class SessionPool<S> {
  private readonly idle: S[] = [];
  private readonly bound = new Map<string, Bound<S>>();

  constructor(
    private readonly what: string,
    private readonly openSession: () => S,
    private readonly closeSession: (session: S) => void,
    /** The most sessions open on the token at once, counting those opened elsewhere (`open`). */
    readonly limit: number,
    /** Sessions already open on the token (the one that holds the login). */
    private open: number,
  ) {}

  get opened(): number {
    return this.open;
  }

  lease(login?: string): Lease<S> {
    const own = login === undefined ? undefined : this.bound.get(login);
    if (own && !own.busy) {
      own.busy = true;
      return { session: own.session, done: (broken) => this.settle(login!, own, broken) };
    }
    const session = this.take();
    if (login !== undefined && !own) {
      const binding: Bound<S> = { session, busy: true, ended: false };
      this.bound.set(login, binding);
      return { session, done: (broken) => this.settle(login, binding, broken) };
    }
    return { session, done: (broken) => this.giveBack(session, broken) };
  }

  /** The login ended: its session serves other calls from now on. */
  release(login: string): void {
    const binding = this.bound.get(login);
    if (!binding) return;
    this.bound.delete(login);
    if (binding.busy) binding.ended = true;
    else this.idle.push(binding.session);
  }

  /** Forgets every login's session (the token now serves another HSM). */
  releaseAll(): void {
    for (const login of [...this.bound.keys()]) this.release(login);
  }

  /** Closes every session it holds that no call is using. */
  closeIdle(): void {
    for (const session of this.idle.splice(0)) this.close(session);
  }

  private take(): S {
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.open >= this.limit) throw new EngineBusyError(`${this.what} has no session left: all ${this.limit} it allows are open`);
    const session = this.openSession();
    this.open++;
    return session;
  }

  private settle(login: string, binding: Bound<S>, broken = false): void {
    binding.busy = false;
    if (broken) {
      if (this.bound.get(login) === binding) this.bound.delete(login);
      this.close(binding.session);
    } else if (binding.ended) {
      this.idle.push(binding.session);
    }
  }

  private giveBack(session: S, broken = false): void {
    if (broken) this.close(session);
    else this.idle.push(session);
  }

  private close(session: S): void {
    this.open--;
    try {
      this.closeSession(session);
    } catch {
      // A session the token already dropped is closed all the same.
    }
  }
}
