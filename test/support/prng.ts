import { randomInt } from 'node:crypto';

/**
 * A small seeded generator (xorshift32 with a multiplicative scramble), so that a reliability run
 * that fails can be replayed from the seed it printed. Not for anything secret.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    // xorshift32 never leaves zero, so a zero seed gets a fixed non-zero start.
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return Math.imul(this.state, 0x2545f491) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.below(items.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** The seed named by an environment variable (to replay a run), else a fresh one. */
export function seedFrom(variable: string): number {
  const given = process.env[variable];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new Error(`${variable} must be a whole number from 0 to 4294967295, not '${given}'.`);
    return n;
  }
  return randomInt(0, 0xffff_ffff);
}
