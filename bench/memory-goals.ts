import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { readConfig, whole } from './config.js';
import { LoadClient, runLoad, type LoadResult } from './load.js';
import { formatMemory, keywardenMemory, type Memory } from './memory.js';
import { RESULTS_DIR } from './paths.js';
import { writeJson } from './report.js';
import { settle } from './scale.js';
import { startKeywarden } from './servers.js';
import { BenchSession, progress } from './session.js';
import { Signer } from './sigv4.js';

// `npm run bench:memory`: the issue's two memory figures, each read off a fresh Keywarden started
// as `npm start` starts it: its resident set after BENCH_MEMORY_SECONDS (60) of Encrypt at the
// bench's concurrency, and after BENCH_MEMORY_KEYS (100,000) keys were made through CreateKey.
// Each is read twice: as soon as the audit trail has indexed what the load recorded, and again
// after BENCH_MEMORY_REST_SECONDS (40) without calls, when V8 and the allocator have given back
// what the load's garbage took (V8's memory reducer starts 8 s after the load ends).

const TARGET = 'TrentService';
/** The memory goal of the issue, for the resident set of the service's process. */
const RSS_GOAL_BYTES = 150 * 1024 * 1024;

interface MemoryGoal {
  what: string;
  load: { calls: number; errors: number; seconds: number; opsPerSecond: number; stoppedBy: LoadResult['stoppedBy'] };
  /** Right after the load, once its records are indexed. */
  atEnd: Memory;
  /** After restSeconds without calls. */
  atRest: Memory;
}

interface MemoryGoalsConfig {
  encryptSeconds: number;
  keys: number;
  /** The most the CreateKey fill may take. */
  fillSeconds: number;
  restSeconds: number;
}

function readMemoryGoalsConfig(env: NodeJS.ProcessEnv = process.env): MemoryGoalsConfig {
  return {
    encryptSeconds: whole(env.BENCH_MEMORY_SECONDS, 60, 'BENCH_MEMORY_SECONDS', 1, 3600),
    keys: whole(env.BENCH_MEMORY_KEYS, 100_000, 'BENCH_MEMORY_KEYS', 1, 1_000_000),
    fillSeconds: whole(env.BENCH_MEMORY_FILL_SECONDS, 900, 'BENCH_MEMORY_FILL_SECONDS', 1, 3600),
    restSeconds: whole(env.BENCH_MEMORY_REST_SECONDS, 40, 'BENCH_MEMORY_REST_SECONDS', 0, 600),
  };
}

function formatMemoryGoal(g: MemoryGoal, restSeconds: number): string {
  const verdict = (m: Memory) => (m.rssBytes === undefined ? 'RSS unreadable' : m.rssBytes <= RSS_GOAL_BYTES ? 'goal met' : 'goal not met');
  return [
    `  ${g.what} (${g.load.calls} calls in ${g.load.seconds.toFixed(1)} s, ${g.load.opsPerSecond.toFixed(0)}/s${g.load.errors > 0 ? `, ${g.load.errors} FAILED` : ''}):`,
    `    at its end:        ${formatMemory(g.atEnd)} (${verdict(g.atEnd)})`,
    `    ${`${restSeconds} s later:`.padEnd(18)} ${formatMemory(g.atRest)} (${verdict(g.atRest)})`,
  ].join('\n');
}

const session = new BenchSession();

async function main(): Promise<number> {
  const config = readConfig();
  const goals = readMemoryGoalsConfig();
  const signal = session.interrupted.signal;

  const measured = async (what: string, drive: (kms: LoadClient) => Promise<LoadResult>): Promise<MemoryGoal> => {
    progress(`${what} on a fresh keywarden ...`);
    const server = await startKeywarden();
    session.children.push(server);
    const client = (service: string) => {
      const c = new LoadClient(new URL(server.url), new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service }), config.requestTimeoutMs, config.concurrency);
      session.clients.push(c);
      return c;
    };
    const kms = client('kms');
    const r = await drive(kms);
    await settle({ pid: server.pid, trail: client('cloudtrail') });
    const atEnd = await keywardenMemory(server.pid, server.url);
    progress(`  ${formatMemory(atEnd)}; at rest for ${goals.restSeconds} s ...`);
    await setTimeout(goals.restSeconds * 1000, undefined, { signal });
    const atRest = await keywardenMemory(server.pid, server.url);
    await session.cleanup();
    return { what, load: { calls: r.ok, errors: r.errors, seconds: r.elapsedSeconds, opsPerSecond: r.opsPerSecond, stoppedBy: r.stoppedBy }, atEnd, atRest };
  };

  const encrypt = await measured(`after ${goals.encryptSeconds} s of Encrypt (${config.concurrency} concurrent, ${config.plaintextBytes} bytes)`, async (kms) => {
    const { KeyMetadata } = await kms.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench memory' });
    const body = json({ KeyId: KeyMetadata.KeyId, Plaintext: randomBytes(config.plaintextBytes).toString('base64') });
    return runLoad(kms, `${TARGET}.Encrypt`, body, { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs: goals.encryptSeconds * 1000, signal });
  });
  const keys = await measured(`after ${goals.keys} CreateKeys (${config.concurrency} concurrent, at most ${goals.fillSeconds} s)`, (kms) =>
    runLoad(kms, `${TARGET}.CreateKey`, json({ Description: 'keywarden bench memory' }), { concurrency: config.concurrency, maxRequests: goals.keys, durationMs: goals.fillSeconds * 1000, signal }),
  );

  const results = [encrypt, keys];
  process.stdout.write(['', `Memory, each on a fresh Keywarden (goal: RSS at most ${RSS_GOAL_BYTES / 1024 / 1024} MB):`, ...results.map((g) => formatMemoryGoal(g, goals.restSeconds)), ''].join('\n'));
  const file = join(RESULTS_DIR, 'memory.json');
  writeJson(file, { at: new Date().toISOString(), config: goals, results });
  progress(`saved ${file}`);
  return results.every((g) => g.load.errors === 0 && g.load.stoppedBy !== 'abort') ? 0 : 1;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

await session.run(main);
