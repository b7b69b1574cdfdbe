/** Benchmark settings, read once from the environment so every scenario runs under the same rules. */
export interface BenchConfig {
  /** Measured seconds per scenario. */
  seconds: number;
  /** Interleaved rounds of the comparison with the ceiling (Encrypt, Decrypt, GenerateDataKey). */
  rounds: number;
  /** Unmeasured seconds before each scenario, so JIT warm-up and socket setup are not counted. */
  warmupSeconds: number;
  /** Closed-loop workers; each has at most one request in flight. */
  concurrency: number;
  /** Hard cap on requests per scenario (and per warm-up), so a loop always ends even if the clock misbehaves. */
  maxRequests: number;
  /** A request that takes longer than this is abandoned and counted as an error. */
  requestTimeoutMs: number;
  plaintextBytes: number;
  /** The latency goal the p99 of every Keywarden scenario is compared with. */
  p99TargetMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    seconds: positive(env.BENCH_SECONDS, 5, 'BENCH_SECONDS', 3600),
    rounds: Math.floor(positive(env.BENCH_ROUNDS, 2, 'BENCH_ROUNDS', 10)),
    warmupSeconds: 1,
    concurrency: 16,
    maxRequests: Math.floor(positive(env.BENCH_MAX_REQUESTS, 5_000_000, 'BENCH_MAX_REQUESTS', 5_000_000)),
    requestTimeoutMs: 10_000,
    plaintextBytes: 4096,
    p99TargetMs: 5,
  };
}

function positive(text: string | undefined, fallback: number, name: string, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  // An upper bound too: a typo like BENCH_SECONDS=1000000 should fail fast, not run for days.
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${name} must be a number above 0 and at most ${max}, not '${text}'`);
  return n;
}

/** A whole number from the environment within [min, max], or `fallback` when unset. */
export function whole(text: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}
