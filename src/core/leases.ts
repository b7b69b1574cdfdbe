/**
 * Background work that must run once across the nodes sharing a store (a key's deletion at the end
 * of its waiting period, a key store's connection attempt, the health check of backing keys) is
 * claimed first: a node that claims a job holds it until a time the store sets, renews its claim
 * while it works, and releases it when done. A node that dies stops renewing, its claim expires,
 * and the job is free for another node to claim and finish: every job's work is read from the
 * store (what is due, which attempt is pending), so whoever runs it next picks up where it stood.
 *
 * A lease is not a lock: a node that stalls (a long pause, a slow disk) past its expiry may still
 * be working when another node claims the job. The work itself stays correct then because each
 * change it makes is decided again inside the store's transaction (KeyRepository.update, remove
 * with its check); the lease is what keeps two nodes from doing the same work, and from emitting
 * the same service event, in every case but that one.
 */
export interface LeaseRepository {
  /**
   * Takes `job` for `holder` for `ttlMs` from now, the store's now (leases measure whether a node is
   * alive, in real time, whatever the service clock shows; across machines only the store's own
   * clock is common to all). True when `holder` holds it afterwards: it was free, expired, or
   * already its own (then extended).
   */
  claim(job: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends `holder`'s lease on `job` by `ttlMs` from now; false when it is no longer `holder`'s. */
  renew(job: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives `job` up, if `holder` holds it. */
  release(job: string, holder: string): Promise<void>;
  /** Who holds `job` now, if anyone does (an expired lease is held by no one). */
  holder(job: string): Promise<{ holder: string; expiresAt: number } | undefined>;
}

/** How a job is run when another node holds it. */
export interface JobOptions {
  /**
   * Wait for the other node to finish, then run it here: after the clock moved, whoever moved it
   * must see everything that fell due done, and a run another node started before the move may
   * have missed what the move made due.
   */
  waitForOthers?: boolean;
}

/** Runs each piece of background work on one node at a time. */
export interface Jobs {
  /** Runs `work` as `job` unless another node holds it; undefined when it did not run here. */
  run<T>(job: string, work: () => Promise<T>, opts?: JobOptions): Promise<T | undefined>;
}

/** One process alone on its store: every job is its own. */
export const soleJobs: Jobs = { run: (_job, work) => work() };

export interface LeasedJobsOptions {
  /** This node, as its leases name it. */
  holder: string;
  /** How long a claim lasts without renewal: how soon another node takes over from a dead one. */
  ttlMs: number;
  /** A job's lease was lost while it ran (the node stalled past the expiry), or could not be renewed. */
  onError?: (err: unknown) => void;
  /** How often a waiting run asks again (waitForOthers). */
  pollMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;

/**
 * Jobs claimed through a LeaseRepository: the claim is renewed every third of its time while the
 * work runs, on real timers (they do not keep the process alive), and released when it ends.
 */
export class LeasedJobs implements Jobs {
  constructor(
    private readonly leases: LeaseRepository,
    private readonly opts: LeasedJobsOptions,
  ) {
    if (!(opts.ttlMs > 0)) throw new RangeError('a lease must last some time');
  }

  get holder(): string {
    return this.opts.holder;
  }

  async run<T>(job: string, work: () => Promise<T>, opts: JobOptions = {}): Promise<T | undefined> {
    const { holder, ttlMs } = this.opts;
    if (!(await this.leases.claim(job, holder, ttlMs))) {
      if (!opts.waitForOthers || !(await this.waitFor(job))) return undefined;
    }
    let lost = false;
    const renewal = setInterval(() => {
      this.leases.renew(job, holder, ttlMs).then(
        (kept) => {
          if (!kept && !lost) {
            lost = true;
            this.opts.onError?.(new Error(`the lease on ${job} expired while ${holder} ran it; another node may run it as well`));
          }
        },
        (err) => this.opts.onError?.(err),
      );
    }, Math.max(1, Math.floor(ttlMs / 3)));
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.leases.release(job, holder).catch((err) => this.opts.onError?.(err));
    }
  }

  /**
   * Waits, asking every `pollMs`, until the job can be claimed: the other node finishes or dies.
   * Bounded by two lease periods plus a little, since a live holder renews and a dead one expires:
   * false if it still could not be claimed then.
   */
  private async waitFor(job: string): Promise<boolean> {
    const { holder, ttlMs } = this.opts;
    const pollMs = this.opts.pollMs ?? 20;
    for (let waited = 0; waited < 2 * ttlMs + 1_000; waited += pollMs) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      if (await this.leases.claim(job, holder, ttlMs)) return true;
    }
    return false;
  }
}
