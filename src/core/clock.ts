/** Time as the domain sees it. The domain never reads Date.now() itself. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The service clock: the system clock moved forward by an offset that an operator controls. */
export class OffsetClock implements Clock {
  constructor(private offsetMs = 0, private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
  }
}

export const DAY_MS = 86_400_000;
