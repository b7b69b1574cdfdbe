import { FreshReads } from './fresh-reads.js';

/**
 * Counters a store moves with every change of the state that each node keeps a copy of in memory
 * (the clock's setting, the faults): one read of them tells a node whether a copy is stale, so that
 * a change made on one node shows on every other node's next request.
 */
export interface ChangeCounters {
  /** Every counter by name; a name never moved reads as absent. */
  read(): Promise<ReadonlyMap<string, number>>;
}

/**
 * A number that moves whenever another connection commits to the store (SQLite's data_version):
 * while it reads the same, nothing was changed but by this process, whose own changes keep its
 * copies current, so a copy checked against the store at one reading is still current at the next.
 * Read synchronously, it costs far less than the reads it spares.
 */
export interface OtherCommits {
  read(): number;
}

/** The counter of the clock's setting. */
export const CLOCK_COUNTER = 'clock';
/** The counter of the faults in force. */
export const FAULTS_COUNTER = 'faults';
/**
 * The counter of what a custom-key-store call reads: the stores, the clusters, their content and
 * their login sessions. The database moves it itself (triggers on those tables), in the
 * transaction of every change, whichever code made it.
 */
export const CLUSTER_STATE_COUNTER = 'cluster-state';

/**
 * Copies of shared state, each reloaded when its counter moved. `refresh` is what a node runs
 * before each request and each maintenance run when other nodes share its store; alone on a store,
 * a node changes every copy itself and never needs it. Requests that arrive together share one
 * read that started after they arrived (FreshReads).
 */
export class SharedState {
  private seen = new Map<string, number>();
  private readonly refreshes = new FreshReads<null, void>();
  /** otherCommits' reading before the last refresh that completed. */
  private checkedAt: number | undefined;

  constructor(
    private readonly counters: ChangeCounters,
    private readonly reload: Readonly<Record<string, () => Promise<unknown>>>,
    private readonly otherCommits?: OtherCommits,
  ) {}

  refresh(): Promise<void> {
    return this.refreshes.get(null, () => this.readAndReload());
  }

  private async readAndReload(): Promise<void> {
    // Read before the counters: a commit made while they are read moves it for the next refresh.
    const at = this.otherCommits?.read();
    if (at !== undefined && at === this.checkedAt) return;
    const now = await this.counters.read();
    for (const [name, reload] of Object.entries(this.reload)) {
      const n = now.get(name) ?? 0;
      if (this.seen.get(name) === n) continue;
      await reload();
      this.seen.set(name, n);
    }
    this.checkedAt = at;
  }
}
