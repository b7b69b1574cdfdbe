import { randomBytes } from 'node:crypto';
import { formatOverhead, summarizeOverhead, type AuditOverhead } from './audit-overhead.js';
import { readConfig, type BenchConfig } from './config.js';
import { childCpuMs, ownCpuMs } from './cpu.js';
import type { RunningChild } from './child.js';
import { LoadClient, runLoad } from './load.js';
import { RESULTS_FILE } from './paths.js';
import { buildReport, formatReport, machineLoad, writeJson, type ScenarioResult } from './report.js';
import { startBareServer, startKeywarden } from './servers.js';
import { Signer } from './sigv4.js';
import { LatencyRecorder } from './stats.js';

// `npm run bench`: Keywarden's hot operations under closed-loop load, next to the ceiling a bare
// node:http server reaches with the identical request. Three processes: Keywarden, the bare
// server and this one (the load generator), so no two of them share an event loop.

const TARGET = 'TrentService';

interface Scenario {
  name: string;
  server: ScenarioResult['server'];
  serverPid: number;
  client: LoadClient;
  target: string;
  body: Buffer;
}

// Everything cleanup() must release, whichever way the run ends.
const children: RunningChild[] = [];
const clients: LoadClient[] = [];
/** Aborted on Ctrl-C / SIGTERM, so the load stops before the servers are asked to. */
const interrupted = new AbortController();

async function main(): Promise<number> {
  const config = readConfig();
  const loadBefore = machineLoad();
  const signer = new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service: 'kms' });
  const client = (url: string) => {
    const c = new LoadClient(new URL(url), signer, config.requestTimeoutMs, config.concurrency);
    clients.push(c);
    return c;
  };

  progress('starting keywarden ...');
  const keywarden = await startKeywarden();
  children.push(keywarden);
  const kw = client(keywarden.url);

  const created = await kw.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench' });
  const keyId = created.KeyMetadata.KeyId;

  // One real Encrypt: its answer's size sizes the ceiling's answer, and its ciphertext feeds Decrypt.
  const encryptBody = json({ KeyId: keyId, Plaintext: randomBytes(config.plaintextBytes).toString('base64') });
  const sample = await kw.send(`${TARGET}.Encrypt`, encryptBody, true);
  if (sample.status !== 200) throw new Error(`the sample Encrypt answered HTTP ${sample.status}: ${sample.body.toString()}`);
  const encryptResponseBytes = sample.body.length;
  const { CiphertextBlob } = JSON.parse(sample.body.toString()) as { CiphertextBlob: string };

  progress(`starting the bare node:http server (answers ${encryptResponseBytes} bytes) ...`);
  const bareChild = await startBareServer(encryptResponseBytes);
  children.push(bareChild);
  const bare = client(bareChild.url);
  const check = await bare.send(`${TARGET}.Encrypt`, encryptBody, true);
  if (check.status !== 200 || check.body.length !== encryptResponseBytes) {
    throw new Error(`the bare server answered HTTP ${check.status} with ${check.body.length} bytes, expected 200 with ${encryptResponseBytes}`);
  }

  const kib = `${config.plaintextBytes / 1024} KiB`;
  // The ceiling runs right after Keywarden's Encrypt so the two compared figures are measured close together.
  const scenarios: Scenario[] = [
    { name: `Encrypt ${kib}`, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Encrypt`, body: encryptBody },
    { name: `Encrypt ${kib} (ceiling)`, server: 'bare node:http', serverPid: bareChild.pid, client: bare, target: `${TARGET}.Encrypt`, body: encryptBody },
    { name: `Decrypt ${kib}`, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Decrypt`, body: json({ CiphertextBlob }) },
    { name: 'GenerateDataKey AES_256', server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.GenerateDataKey`, body: json({ KeyId: keyId, KeySpec: 'AES_256' }) },
  ];

  const recorder = new LatencyRecorder(config.maxRequests);
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    results.push(await measure(s, config, recorder));
    if (interrupted.signal.aborted) throw new Error('interrupted');
  }

  const auditOverhead = await compareAudit(config, recorder, kw, keywarden.pid, encryptBody, client);

  const base = buildReport(config, loadBefore, results, results[0]!, results[1]!, encryptResponseBytes);
  const report = { ...base, auditOverhead, valid: base.valid && auditOverhead.valid };
  process.stdout.write(formatReport(report) + formatOverhead(auditOverhead));
  writeJson(RESULTS_FILE, report);
  progress(`figures written to ${RESULTS_FILE}`);
  return report.valid ? 0 : 1;
}

/**
 * The same Encrypt burst against Keywarden as shipped (audit trail on, every call answered only
 * once its record is committed) and against a second process started with `--audit off`, in
 * alternating rounds. BENCH_AUDIT_ROUNDS sets how many (default 3).
 */
async function compareAudit(
  config: BenchConfig,
  recorder: LatencyRecorder,
  on: LoadClient,
  onPid: number,
  onBody: Buffer,
  client: (url: string) => LoadClient,
): Promise<AuditOverhead> {
  const rounds = Math.floor(Number(process.env.BENCH_AUDIT_ROUNDS ?? 3));
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('BENCH_AUDIT_ROUNDS must be a whole number from 1 to 50');
  progress('starting keywarden --audit off, for the audit trail comparison ...');
  const quiet = await startKeywarden(['--audit', 'off']);
  children.push(quiet);
  const off = client(quiet.url);
  const offKey = (await off.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench, audit off' })).KeyMetadata.KeyId;
  const { Plaintext } = JSON.parse(onBody.toString()) as { Plaintext: string };
  const offBody = json({ KeyId: offKey, Plaintext });

  const seconds = Math.max(2, Math.round(config.seconds / 2));
  const perRound = { ...config, seconds };
  const name = `Encrypt ${config.plaintextBytes / 1024} KiB`;
  const sides = {
    on: { server: 'keywarden' as const, serverPid: onPid, client: on, target: `${TARGET}.Encrypt`, body: onBody },
    off: { server: 'keywarden' as const, serverPid: quiet.pid, client: off, target: `${TARGET}.Encrypt`, body: offBody },
  };
  const results: Record<'on' | 'off', ScenarioResult[]> = { on: [], off: [] };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      results[which].push(await measure({ name: `${name}, audit ${which} (round ${r + 1})`, ...sides[which] }, perRound, recorder));
      if (interrupted.signal.aborted) throw new Error('interrupted');
    }
  }
  return summarizeOverhead(name, seconds, results.on, results.off);
}

async function measure(s: Scenario, config: BenchConfig, recorder: LatencyRecorder): Promise<ScenarioResult> {
  progress(`${s.name} on ${s.server}: ${config.warmupSeconds} s warm-up, ${config.seconds} s measured ...`);
  const common = { concurrency: config.concurrency, maxRequests: config.maxRequests, signal: interrupted.signal };
  const warm = await runLoad(s.client, s.target, s.body, { ...common, durationMs: config.warmupSeconds * 1000 });
  recorder.reset();
  const serverBefore = childCpuMs(s.serverPid);
  const clientBefore = ownCpuMs();
  const run = await runLoad(s.client, s.target, s.body, { ...common, durationMs: config.seconds * 1000, recorder });
  const clientCpuMs = ownCpuMs() - clientBefore;
  const serverAfter = childCpuMs(s.serverPid);
  const serverCpuMs = serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore;
  const wallMs = run.elapsedSeconds * 1000;
  return {
    name: s.name,
    server: s.server,
    target: s.target,
    requestBytes: s.body.length,
    ...run,
    errorKinds: [...warm.errorKinds.map((k) => ({ ...k, what: `(warm-up) ${k.what}` })), ...run.errorKinds],
    warmupErrors: warm.errors,
    ...recorder.summary(),
    serverCpuPercent: serverCpuMs === undefined ? undefined : (100 * serverCpuMs) / wallMs,
    serverCpuUsPerOp: serverCpuMs === undefined || run.ok === 0 ? undefined : (1000 * serverCpuMs) / run.ok,
    clientCpuPercent: (100 * clientCpuMs) / wallMs,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Stops both servers (SIGTERM by pid) and removes the data directory; safe to run twice. */
async function cleanup(): Promise<void> {
  for (const c of clients.splice(0)) c.close();
  await Promise.allSettled(children.splice(0).map((c) => c.stop()));
}

// Ctrl-C or a kill must not leave servers or the temp directory behind.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    progress(`${sig}: stopping the load and the servers`);
    interrupted.abort();
    void cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`bench FAILED: ${(err as Error)?.stack ?? err}\n`);
  for (const c of children) process.stderr.write(`--- last output of server pid ${c.pid} ---\n${c.output()}\n`);
} finally {
  await cleanup();
}
process.exitCode = code;
