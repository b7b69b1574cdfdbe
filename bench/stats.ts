/**
 * Latencies of one scenario in a buffer allocated once for the request cap, so recording is a
 * store into a typed array: no allocation or GC inside the measured loop. Percentiles are exact.
 */
export class LatencyRecorder {
  private readonly ns: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.ns = new Float64Array(capacity);
  }

  reset(): void {
    this.n = 0;
  }

  get count(): number {
    return this.n;
  }

  /** Nanoseconds; a double holds integers exactly up to 2^53 ns, about 104 days. */
  record(ns: bigint): void {
    if (this.n < this.ns.length) this.ns[this.n++] = Number(ns);
  }

  summary(): LatencySummary {
    if (this.n === 0) return { p50Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN };
    const sorted = this.ns.slice(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
    return {
      p50Ms: rank(sorted, 0.5) / 1e6,
      p99Ms: rank(sorted, 0.99) / 1e6,
      maxMs: sorted[sorted.length - 1]! / 1e6,
      meanMs: sum / sorted.length / 1e6,
    };
  }
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentile: a value that was actually observed, never an interpolation. */
function rank(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
