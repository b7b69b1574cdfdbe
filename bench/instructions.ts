import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { whole } from './config.js';
import { LoadClient, runLoad } from './load.js';
import { RESULTS_DIR } from './paths.js';
import { settle } from './scale.js';
import { hotRequest, isHotOperation, isKeyKind, type HotOperation, type KeyKind } from './requests.js';
import { startKeywarden, type KeywardenChild } from './servers.js';
import { Signer } from './sigv4.js';

// `node dist/bench/instructions.js [OTHER_BIN] [Operation] [service|store]`: the instructions the
// server executes per call, counted by valgrind's callgrind, for this build and, given its
// bin/keywarden, another one counted at the same time (one valgrind a core). Each count is of the
// calls of one load and the indexing of their audit records, nothing of the warm-up nor of idle
// time, for the main thread (the one that answers calls) and for every thread of the process.
//
// Counts move far less than CPU time with what else the machine does: two counts of one build side
// by side came within 0.05-0.2% of each other, and repeated comparisons of two builds within about
// 2% (a call's work depends a little on timing: how many calls an event-loop turn answers, when V8
// collects and compiles, how many records an indexing pass commits), where CPU time per call moves
// by ten percent and more between rounds on this machine. Read the ratio, over two or three runs.
//
// Instructions are not time: valgrind hides the processor's SHA extensions, so SHA-256 (SigV4's
// body hash, the audit chain) counts several times what it costs natively, and V8's helper threads
// count for more than their share of the time. A run takes about three minutes. The per-thread
// dumps are kept in bench/results for callgrind_annotate or KCachegrind (thread01 is the main one).

const CONCURRENCY = 8;

interface Counted {
  label: string;
  /** Every thread of the process. */
  perCall: number;
  /** The thread that answers calls; the others are the audit indexer, V8's and libuv's helpers. */
  mainPerCall: number;
  dumps: string;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const otherBin = args[0] !== undefined && !isHotOperation(args[0]) ? args.shift() : undefined;
  const [op = 'Encrypt', kind = 'service'] = args;
  if (!isHotOperation(op) || !isKeyKind(kind)) {
    throw new Error('usage: instructions.js [OTHER_BUILD/bin/keywarden] [Encrypt|Decrypt|GenerateDataKey] [service|store]');
  }
  const warmup = whole(process.env.BENCH_INSTRUCTIONS_WARMUP, 3000, 'BENCH_INSTRUCTIONS_WARMUP', 0, 100_000);
  const calls = whole(process.env.BENCH_INSTRUCTIONS_CALLS, 2000, 'BENCH_INSTRUCTIONS_CALLS', 1, 100_000);
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed (Debian package valgrind)');
  }
  const builds: [string, string | undefined][] = otherBin ? [['other build', otherBin], ['this build', undefined]] : [['this build', undefined]];
  // One valgrind a core: the builds are counted at the same time.
  const counted = await Promise.all(builds.map(([label, bin]) => count(label, bin, op, kind, warmup, calls)));
  const n = (x: number) => Math.round(x).toLocaleString('en-US').padStart(11);
  process.stdout.write(`${op} with a ${kind} key: instructions per call, ${calls} calls counted after ${warmup} to warm up\n`);
  process.stdout.write(`  ${''.padEnd(11)} ${'all threads'.padStart(11)} ${'main thread'.padStart(11)}\n`);
  for (const c of counted) process.stdout.write(`  ${c.label.padEnd(11)} ${n(c.perCall)} ${n(c.mainPerCall)}  ${c.dumps}\n`);
  if (counted.length === 2) {
    const [other, self] = counted as [Counted, Counted];
    process.stdout.write(`  ${'ratio'.padEnd(11)} ${(self.perCall / other.perCall).toFixed(4).padStart(11)} ${(self.mainPerCall / other.mainPerCall).toFixed(4).padStart(11)}  (this build / other build)\n`);
  }
}

async function count(label: string, bin: string | undefined, op: HotOperation, kind: KeyKind, warmup: number, calls: number): Promise<Counted> {
  const dumps = mkdtempSync(join(tmpdir(), 'keywarden-callgrind-'));
  let server: KeywardenChild | undefined;
  let client: LoadClient | undefined;
  let trail: LoadClient | undefined;
  try {
    server = await startKeywarden({
      args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'],
      bin,
      // JIT code is written and run in anonymous memory: valgrind must look for code changes there.
      wrapper: ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--separate-threads=yes', `--callgrind-out-file=${join(dumps, 'callgrind.out')}`],
      startTimeoutMs: 180_000,
    });
    const pid = String(server.pid);
    const signer = (service: string) => new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service });
    client = new LoadClient(new URL(server.url), signer('kms'), 120_000, CONCURRENCY);
    trail = new LoadClient(new URL(server.url), signer('cloudtrail'), 120_000, 1);
    // Each count ends with the audit log applied to the tables (a LookupEvents applies it first):
    // the calls' indexing is counted with them, and no idle time is.
    const indexed = () => settle({ pid: server!.pid, trail: trail! });
    const body = await hotRequest(client, server.url, op, kind);
    const load = async (n: number) => {
      const run = await runLoad(client!, `TrentService.${op}`, body, { concurrency: CONCURRENCY, maxRequests: n, durationMs: 3_600_000 });
      if (run.errors > 0 || run.ok !== n) throw new Error(`${label}: ${run.errors} of ${n} requests failed: ${JSON.stringify(run.errorKinds)}`);
    };
    await load(warmup);
    await indexed();
    execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' });
    await load(calls);
    await indexed();
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
    // One file per thread, callgrind.out.<dump>-<thread>; thread 01 is the main thread.
    const files = readdirSync(dumps).filter((f) => /^callgrind\.out\.\d+-\d+$/.test(f));
    if (files.length === 0) throw new Error(`${label}: callgrind wrote no dump`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const prefix = `instructions-${op}-${kind}-${label.replace(' ', '-')}`;
    for (const old of readdirSync(RESULTS_DIR).filter((f) => f.startsWith(`${prefix}.`))) rmSync(join(RESULTS_DIR, old));
    let all = 0;
    let main = 0;
    for (const f of files) {
      const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dumps, f), 'utf8'));
      if (!totals) throw new Error(`${label}: no totals in ${f}`);
      all += Number(totals[1]);
      if (f.endsWith('-01')) main = Number(totals[1]);
      copyFileSync(join(dumps, f), join(RESULTS_DIR, `${prefix}.thread${f.slice(f.lastIndexOf('-') + 1)}.callgrind`));
    }
    return { label, perCall: all / calls, mainPerCall: main / calls, dumps: join(RESULTS_DIR, `${prefix}.thread*.callgrind`) };
  } finally {
    client?.close();
    trail?.close();
    await server?.stop(30_000);
    rmSync(dumps, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`instructions FAILED: ${(err as Error)?.message ?? err}\n`);
  process.exitCode = 1;
});
