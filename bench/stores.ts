import { cpus } from 'node:os';
import { join } from 'node:path';
import { readConfig } from './config.js';
import { LoadClient } from './load.js';
import { RESULTS_DIR } from './paths.js';
import { benchStores, storesUnavailable } from './postgres-nodes.js';
import { machineLoad, writeJson } from './report.js';
import { startKeywarden } from './servers.js';
import { Signer } from './sigv4.js';
import { BenchSession, progress } from './session.js';
import { LatencyRecorder } from './stats.js';
import { formatStores } from './store-comparison.js';

// `node dist/bench/stores.js`: only the section of `npm run bench` that compares SQLite with
// PostgreSQL (one node, and two nodes on one database), with the same settings (BENCH_SECONDS,
// BENCH_ROUNDS, ...), in a minute or two instead of the whole bench's many; the figures go to
// bench/results/stores.json.

const session = new BenchSession();
const { children, clients, interrupted } = session;

async function main(): Promise<number> {
  const unavailable = storesUnavailable({ ...process.env, BENCH_POSTGRES: undefined });
  if (unavailable) throw new Error(unavailable);
  const config = readConfig();
  const loadBefore = machineLoad();
  const stores = await benchStores({
    config,
    recorder: new LatencyRecorder(config.maxRequests),
    signal: interrupted.signal,
    start: async (start) => {
      const child = await startKeywarden(start);
      children.push(child);
      return child;
    },
    stop: async (child) => {
      children.splice(children.indexOf(child), 1);
      await child.stop();
    },
    client: (url, service = 'kms') => {
      const signer = new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service });
      const c = new LoadClient(new URL(url), signer, config.requestTimeoutMs, config.concurrency);
      clients.push(c);
      return c;
    },
    progress,
  });
  const loadAfter = machineLoad();
  process.stdout.write(
    `1-minute load average before starting: ${loadBefore.toFixed(2)}, after the last measurement: ${loadAfter.toFixed(2)}\n` + formatStores(stores),
  );
  const file = join(RESULTS_DIR, 'stores.json');
  writeJson(file, { generatedAt: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, config, stores });
  progress(`figures written to ${file}`);
  return stores.valid ? 0 : 1;
}

await session.run(main);
