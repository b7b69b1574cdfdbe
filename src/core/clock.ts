/** Time as the domain sees it. The domain never reads Date.now() itself. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The base of a manual service clock (`serve --clock manual`): it stands at one time; only an
 * advance moves the service clock. The nodes of a shared store stand at the same time: the first
 * node's start, which the others take over (standAt).
 */
export class StandingClock implements Clock {
  constructor(private atMs: number) {}

  now(): number {
    return this.atMs;
  }

  standAt(ms: number): void {
    this.atMs = ms;
  }
}

export const standingClock = (startMs: number): StandingClock => new StandingClock(startMs);

/**
 * The latest time the service clock may show: the end of 9979 (UTC). Every date the service writes
 * must stay within the year 9999, the last that ISO 8601 timestamps and AWS's date formats hold
 * (JavaScript's own dates end in 275760, and a clock past them breaks every call), and some it
 * sets well ahead of its clock: cluster certificates valid for up to 19 years, rotation periods
 * of up to 2560 days, deletion windows of 30 days. Twenty years of room covers them all.
 */
export const LATEST_SERVICE_TIME_MS = Date.UTC(9979, 11, 31, 23, 59, 59);

/** Whether `offsetMs` is an offset the service clock can take: whole, forward, and not past LATEST_SERVICE_TIME_MS. */
export function usableOffset(offsetMs: number, base: Clock = systemClock): boolean {
  return Number.isSafeInteger(offsetMs) && offsetMs >= 0 && base.now() + offsetMs <= LATEST_SERVICE_TIME_MS;
}

/** The service clock: the system clock moved forward by an offset that an operator controls. */
export class OffsetClock implements Clock {
  constructor(private offsetMs = 0, private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** How far the clock can still move forward (see LATEST_SERVICE_TIME_MS). */
  get room(): number {
    return this.roomWith(this.offsetMs);
  }

  /** How far the clock could still move forward from `offsetMs` (another node's latest, read from the store). */
  roomWith(offsetMs: number): number {
    return Math.max(0, LATEST_SERVICE_TIME_MS - (this.base.now() + offsetMs));
  }

  /** Whether the clock can take `offsetMs` (see usableOffset). */
  takes(offsetMs: number): boolean {
    return usableOffset(offsetMs, this.base);
  }

  /** Takes the offset every node shares, as the store has it now; one it cannot take is ignored. */
  follow(offsetMs: number): void {
    if (this.takes(offsetMs)) this.offsetMs = offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    if (ms > this.room) throw new RangeError(`the clock cannot move past ${new Date(LATEST_SERVICE_TIME_MS).toISOString()}`);
    this.offsetMs += ms;
  }

  /** Back to the system time: the one way the clock moves backward, for an operator who asks for it. */
  reset(): void {
    this.offsetMs = 0;
  }
}

export const DAY_MS = 86_400_000;
