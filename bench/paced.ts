import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readConfig } from './config.js';
import { treeCpuMs } from './cpu.js';
import { LoadClient, runLoad, type LoadResult } from './load.js';
import { formatPaced, LABELS, readPacedConfig, type PacedFigure, type ServerKind } from './paced-report.js';
import { RESULTS_DIR } from './paths.js';
import { writeJson } from './report.js';
import { startBareServer, startKeywarden } from './servers.js';
import { BenchSession, progress } from './session.js';
import { Signer } from './sigv4.js';

// `node dist/bench/paced.js`: server CPU per Encrypt at set rates of calls (BENCH_PACED_RATES,
// default 250,1000,4000 a second) and as fast as answers come, for the ceiling, one Keywarden
// process and `serve --workers 2`, BENCH_PACED_SECONDS (5) a rate after a second of warm-up.
// `npm run bench` measures at saturation only, where the per-call costs of waking up (a thread
// leaving its sleep, a socket's first packet after a pause, caches that other work emptied) are
// shared by the calls that one wake-up serves; at a lower rate each call pays them alone.

const TARGET = 'TrentService';

const session = new BenchSession();

async function main(): Promise<number> {
  const config = readConfig();
  const paced = readPacedConfig();
  const signal = session.interrupted.signal;
  const plaintext = randomBytes(config.plaintextBytes).toString('base64');
  const schedule: (number | undefined)[] = [...paced.rates, undefined];
  const figures = { ceiling: [], keywarden: [], 'workers-2': [] } as Record<ServerKind, PacedFigure[]>;
  let answerBytes = 0;

  for (const kind of ['keywarden', 'workers-2', 'ceiling'] as const) {
    progress(`${LABELS[kind]} ...`);
    const server = kind === 'ceiling' ? await startBareServer(answerBytes) : await startKeywarden(kind === 'workers-2' ? { args: ['--workers', '2'] } : {});
    session.children.push(server);
    const client = new LoadClient(new URL(server.url), new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service: 'kms' }), config.requestTimeoutMs, config.concurrency);
    session.clients.push(client);
    const keyId =
      kind === 'ceiling'
        ? 'bench'
        : (await client.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench paced' })).KeyMetadata.KeyId;
    const body = Buffer.from(JSON.stringify({ KeyId: keyId, Plaintext: plaintext }));
    const load = (rate: number | undefined, durationMs: number): Promise<LoadResult> =>
      runLoad(client, `${TARGET}.Encrypt`, body, { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs, signal, ...(rate === undefined ? {} : { ratePerSecond: rate }) });
    for (const rate of schedule) {
      await load(rate, 1_000);
      const before = treeCpuMs(server.pid);
      const r = await load(rate, paced.seconds * 1000);
      const after = treeCpuMs(server.pid);
      if (kind === 'keywarden' && answerBytes === 0) answerBytes = Math.round(r.meanResponseBytes);
      figures[kind].push({
        rate,
        opsPerSecond: r.opsPerSecond,
        cpuUsPerCall: before === undefined || after === undefined || r.ok === 0 ? undefined : (1000 * (after - before)) / r.ok,
        errors: r.errors,
      });
      if (r.stoppedBy === 'abort') return 1;
    }
    await session.cleanup();
  }

  process.stdout.write(`\n${formatPaced(figures, config.plaintextBytes, config.concurrency)}\n`);
  const file = join(RESULTS_DIR, 'paced.json');
  writeJson(file, { at: new Date().toISOString(), config: paced, concurrency: config.concurrency, plaintextBytes: config.plaintextBytes, figures });
  progress(`saved ${file}`);
  return Object.values(figures).every((fs) => fs.every((f) => f.errors === 0)) ? 0 : 1;
}

await session.run(main);
