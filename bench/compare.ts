import { INDEXER_THREAD_NAME } from '../src/storage/sqlite/audit-log.js';
import { childCpuMs, threadsCpuMs, type ThreadsCpu } from './cpu.js';
import { LoadClient, runLoad } from './load.js';
import { startKeywarden, type KeywardenChild } from './servers.js';
import { hotRequest, isHotOperation, isKeyKind } from './requests.js';
import { Signer } from './sigv4.js';

// `node dist/bench/compare.js OTHER_BIN [Operation] [service|store]`: another build of Keywarden
// (its bin/keywarden) against this one, both loaded at the same time by this process with the same
// request, BENCH_COMPARE_ROUNDS rounds (default 8) of BENCH_COMPARE_SECONDS (4) each. On a
// machine shared with other work, two servers measured one after the other see different
// machines; measured side by side, they share whatever the machine does, and the ratio of their
// CPU per request holds steady from round to round where each one's own figure does not.

const CONCURRENCY = 8;

interface Side {
  label: string;
  server: KeywardenChild;
  client: LoadClient;
  body: Buffer;
  cpuUsPerOp: number[];
  /** The same by thread, round by round: the main one, the audit indexer, the rest (V8's and libuv's helpers). */
  byThread: { main: number[]; indexer: number[]; rest: number[] };
}

async function main(): Promise<void> {
  const [otherBin, op = 'Encrypt', keyKind = 'service'] = process.argv.slice(2);
  if (!otherBin || !isHotOperation(op) || !isKeyKind(keyKind)) {
    throw new Error('usage: compare.js OTHER_BUILD/bin/keywarden [Encrypt|Decrypt|GenerateDataKey] [service|store]');
  }
  const rounds = bounded(process.env.BENCH_COMPARE_ROUNDS, 8, 50);
  const seconds = bounded(process.env.BENCH_COMPARE_SECONDS, 4, 600);
  const sides: Side[] = [];
  try {
    for (const [label, bin] of [['other build', otherBin], ['this build', undefined]] as const) {
      const server = await startKeywarden({ args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'], ...(bin ? { bin } : {}) });
      const client = new LoadClient(new URL(server.url), new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service: 'kms' }), 10_000, CONCURRENCY);
      const side: Side = { label, server, client, body: Buffer.alloc(0), cpuUsPerOp: [], byThread: { main: [], indexer: [], rest: [] } };
      sides.push(side);
      side.body = await hotRequest(client, server.url, op, keyKind);
    }
    const load = (s: Side, durationMs: number) => runLoad(s.client, `TrentService.${op}`, s.body, { concurrency: CONCURRENCY, maxRequests: 5_000_000, durationMs });
    await Promise.all(sides.map((s) => load(s, 3_000)));
    for (let r = 0; r < rounds; r++) {
      const before = sides.map((s) => childCpuMs(s.server.pid));
      const threadsBefore = sides.map((s) => threadsCpuMs(s.server.pid));
      const runs = await Promise.all(sides.map((s) => load(s, seconds * 1000)));
      runs.forEach((run, i) => {
        if (run.errors > 0) throw new Error(`${sides[i]!.label}: ${run.errors} requests failed: ${JSON.stringify(run.errorKinds)}`);
        const after = childCpuMs(sides[i]!.server.pid);
        if (before[i] === undefined || after === undefined) throw new Error('server CPU cannot be read here (no /proc)');
        sides[i]!.cpuUsPerOp.push((1000 * (after - before[i]!)) / run.ok);
        const threadsAfter = threadsCpuMs(sides[i]!.server.pid);
        if (threadsBefore[i] && threadsAfter) addByThread(sides[i]!, threadsBefore[i]!, threadsAfter, run.ok);
      });
    }
    const [other, self] = sides as [Side, Side];
    const ratios = self.cpuUsPerOp.map((v, i) => v / other.cpuUsPerOp[i]!);
    const us = (v: number[]) => v.map((x) => x.toFixed(0)).join(' ');
    process.stdout.write(
      `${op} with a ${keyKind} key, ${CONCURRENCY} concurrent on each server at once, ${rounds} rounds of ${seconds} s\n` +
        `  server CPU per request, other build: ${us(other.cpuUsPerOp)} µs (median ${median(other.cpuUsPerOp).toFixed(0)})\n` +
        `  server CPU per request, this build:  ${us(self.cpuUsPerOp)} µs (median ${median(self.cpuUsPerOp).toFixed(0)})\n` +
        `  this build / other build, round by round: ${ratios.map((x) => x.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})\n`,
    );
    for (const side of [other, self]) {
      const t = side.byThread;
      if (t.main.length === 0) continue;
      process.stdout.write(
        `  by thread, ${side.label} (medians): main ${median(t.main).toFixed(0)} µs, ${INDEXER_THREAD_NAME} ${median(t.indexer).toFixed(0)}, the others ${median(t.rest).toFixed(0)}\n`,
      );
    }
  } finally {
    for (const s of sides) {
      s.client.close();
      await s.server.stop();
    }
  }
}

/** One round's CPU per request by thread (a steady server's threads neither start nor end: these are sums by name). */
function addByThread(side: Side, before: ThreadsCpu, after: ThreadsCpu, calls: number): void {
  const perCall = (ms: number) => (1000 * ms) / calls;
  const named = (cpu: ThreadsCpu, name: string) => cpu.others.get(name) ?? 0;
  let rest = 0;
  for (const [name, ms] of after.others) if (name !== INDEXER_THREAD_NAME) rest += ms - named(before, name);
  side.byThread.main.push(perCall(after.main - before.main));
  side.byThread.indexer.push(perCall(named(after, INDEXER_THREAD_NAME) - named(before, INDEXER_THREAD_NAME)));
  side.byThread.rest.push(perCall(rest));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function bounded(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`expected a whole number from 1 to ${max}, not '${text}'`);
  return n;
}

main().catch((err) => {
  process.stderr.write(`compare FAILED: ${(err as Error)?.message ?? err}\n`);
  process.exitCode = 1;
});
