import type { OffsetClock, StandingClock } from './clock.js';

/**
 * The service clock's setting, kept in the store so that it survives a restart and, on a shared
 * store, so that every node shows the same time: the offset an operator moved it by (`clock
 * advance`), and where a manual clock stands.
 */
export interface ClockSettingRepository {
  /** The stored offset in milliseconds (NaN when what is stored is not a number; 0 when nothing is). */
  offset(): Promise<number>;
  /**
   * Changes the offset in one transaction: `change` gets the stored offset and returns the next
   * one, synchronously; if it throws, nothing changes. Concurrent changes from several nodes each
   * see the one before: two advances of a day move the clock two days. Returns the new offset.
   */
  changeOffset(change: (offsetMs: number) => number): Promise<number>;
  /** Where the manual clock of every node stands, if a node said so. */
  standingAt(): Promise<number | undefined>;
  setStandingAt(ms: number): Promise<void>;
}

/**
 * One node's service clock, kept to the setting all nodes share: moved through the store (so that
 * concurrent moves on several nodes add up), and brought up to date when the store says the
 * setting changed (core/shared-state.ts).
 */
export class SharedClock {
  constructor(
    readonly clock: OffsetClock,
    private readonly repo: ClockSettingRepository,
    /** The base of a manual clock, which stands where the store says. */
    private readonly standing?: StandingClock,
  ) {}

  /**
   * Moves the clock: `change` gets the offset as the store has it (0 if that one cannot be taken)
   * and returns the next; it may throw to refuse (nothing moves then).
   */
  async move(change: (offsetMs: number) => number): Promise<void> {
    const next = await this.repo.changeOffset((stored) => change(this.clock.takes(stored) ? stored : 0));
    this.clock.follow(next);
  }

  /**
   * Takes what the store holds now (another node moved the clock, or started the manual clock);
   * true when that moved this node's clock forward.
   */
  async follow(): Promise<boolean> {
    const before = this.clock.now();
    if (this.standing) {
      const at = await this.repo.standingAt();
      if (at !== undefined) this.standing.standAt(at);
    }
    this.clock.follow(await this.repo.offset());
    return this.clock.now() > before;
  }
}
