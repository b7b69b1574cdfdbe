import { randomBytes } from 'node:crypto';
import { formatOverhead, summarizeOverhead, type AuditOverhead, type Round, type Side } from './audit-overhead.js';
import { readConfig, type BenchConfig } from './config.js';
import { benchCustomKeyStores, formatCustomKeyStores } from './custom-key-stores.js';
import { inProcessOperations, measureInProcess } from './in-process.js';
import { twentyStatementPolicy } from './policies.js';
import { childCpuMs, ownCpuMs } from './cpu.js';
import type { RunningChild } from './child.js';
import { LoadClient, runLoad } from './load.js';
import { RESULTS_FILE } from './paths.js';
import { buildReport, compareInProcess, formatReport, machineLoad, writeJson, type ScenarioResult } from './report.js';
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
  const client = (url: string, service = 'kms') => {
    const signer = new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service });
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
  const message = randomBytes(config.plaintextBytes).toString('base64');
  const newKey = async (KeySpec: string, KeyUsage: string) =>
    (await kw.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: `keywarden bench ${KeySpec}`, KeySpec, KeyUsage })).KeyMetadata.KeyId;
  const eccKey = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
  const rsaKey = await newKey('RSA_2048', 'SIGN_VERIFY');
  const macKey = await newKey('HMAC_256', 'GENERATE_VERIFY_MAC');
  // The same Encrypt under a key whose policy the evaluator reads 20 conditional statements of.
  const policyKey = (await kw.call<{ KeyMetadata: { KeyId: string; AccountId?: string } }>(`${TARGET}.CreateKey`, {
    Description: 'keywarden bench, 20-statement policy',
    Policy: twentyStatementPolicy('111122223333'),
  })).KeyMetadata.KeyId;
  const names = {
    encrypt: `Encrypt ${kib}`,
    signEcc: `Sign ECC_NIST_P256 ${kib}`,
    signRsa: `Sign RSA_2048 ${kib}`,
    mac: `GenerateMac HMAC_256 ${kib}`,
  };
  // The ceiling runs right after Keywarden's Encrypt so the two compared figures are measured close together.
  const scenarios: Scenario[] = [
    { name: names.encrypt, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Encrypt`, body: encryptBody },
    { name: `Encrypt ${kib} (ceiling)`, server: 'bare node:http', serverPid: bareChild.pid, client: bare, target: `${TARGET}.Encrypt`, body: encryptBody },
    { name: `Encrypt ${kib}, 20-statement key policy`, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Encrypt`, body: json({ KeyId: policyKey, Plaintext: JSON.parse(encryptBody.toString()).Plaintext }) },
    { name: `Decrypt ${kib}`, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Decrypt`, body: json({ CiphertextBlob }) },
    { name: 'GenerateDataKey AES_256', server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.GenerateDataKey`, body: json({ KeyId: keyId, KeySpec: 'AES_256' }) },
    { name: names.signEcc, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Sign`, body: json({ KeyId: eccKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }) },
    { name: names.signRsa, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.Sign`, body: json({ KeyId: rsaKey, Message: message, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }) },
    { name: names.mac, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.GenerateMac`, body: json({ KeyId: macKey, Message: message, MacAlgorithm: 'HMAC_SHA_256' }) },
  ];

  const recorder = new LatencyRecorder(config.maxRequests);
  const results: ScenarioResult[] = [];
  const kwTrail = client(keywarden.url, 'cloudtrail');
  for (const s of scenarios) {
    results.push(await measure(s, config, recorder));
    // The audit indexing that waited for the burst to end is done now, so it falls in no later scenario.
    if (s.server === 'keywarden') {
      const settled = await settleAudit(kwTrail, keywarden.pid);
      progress(`  audit indexing after the burst: ${settled.ms.toFixed(0)} ms`);
    }
    if (interrupted.signal.aborted) throw new Error('interrupted');
  }

  // The in-process loops run while no load does, each for as long as a measured scenario.
  const inProcess = inProcessOperations(names, config.plaintextBytes).map((op) => {
    progress(`${op.scenario}: ${op.primitive} in-process for ${config.seconds} s ...`);
    return measureInProcess(op, config.seconds, config.maxRequests);
  });

  // Keys in a custom key store, on the software engine and on SoftHSM2 tokens, each beside its ceiling.
  const customKeyStores = await benchCustomKeyStores(
    {
      start: async (args) => {
        const child = await startKeywarden(args);
        children.push(child);
        return child;
      },
      measure: (name, child, body) => measure({ name, server: 'keywarden', serverPid: child.pid, client: client(child.url), target: `${TARGET}.Encrypt`, body }, config, recorder),
      inProcess: (op) => measureInProcess(op, config.seconds, config.maxRequests),
      progress,
    },
    config.plaintextBytes,
  );
  results.push(customKeyStores.software, ...(customKeyStores.softhsm ? [customKeyStores.softhsm] : []));
  if (customKeyStores.ceiling) inProcess.push(customKeyStores.ceiling);

  const auditOverhead = await compareAudit(config, recorder, encryptBody, client);

  const base = buildReport(config, loadBefore, results, results[0]!, results[1]!, encryptResponseBytes);
  const report = { ...base, inProcess: compareInProcess(results, inProcess), customKeyStores, auditOverhead, valid: base.valid && auditOverhead.valid };
  process.stdout.write(formatReport(report) + formatCustomKeyStores(customKeyStores) + formatOverhead(auditOverhead));
  writeJson(RESULTS_FILE, report);
  progress(`figures written to ${RESULTS_FILE}`);
  return report.valid ? 0 : 1;
}

/**
 * The same Encrypt burst against three fresh Keywarden processes: as shipped (audit trail on,
 * `--audit-sync os`), with `--audit-sync disk`, and with `--audit off`, in rotating rounds.
 * BENCH_AUDIT_ROUNDS sets how many (default 20).
 */
async function compareAudit(
  config: BenchConfig,
  recorder: LatencyRecorder,
  onBody: Buffer,
  client: (url: string, service?: string) => LoadClient,
): Promise<AuditOverhead> {
  const rounds = Math.floor(Number(process.env.BENCH_AUDIT_ROUNDS ?? 20));
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('BENCH_AUDIT_ROUNDS must be a whole number from 1 to 50');
  const { Plaintext } = JSON.parse(onBody.toString()) as { Plaintext: string };
  const start = async (args: string[], label: string) => {
    progress(`starting keywarden ${args.join(' ') || '(as shipped)'}, for the audit trail comparison ...`);
    const child = await startKeywarden(args);
    children.push(child);
    const c = client(child.url);
    const key = (await c.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: `keywarden bench, ${label}` })).KeyMetadata.KeyId;
    return { pid: child.pid, client: c, trail: client(child.url, 'cloudtrail'), body: json({ KeyId: key, Plaintext }) };
  };
  const on = await start([], 'audit on');
  const disk = await start(['--audit-sync', 'disk'], 'audit-sync disk');
  const off = await start(['--audit', 'off'], 'audit off');

  // One-second rounds with no warm-up of their own (each server is warmed once, below): this
  // machine's speed drifts on a scale of seconds, so each round's sides are measured close together.
  const seconds = 1;
  const perRound = { ...config, seconds, warmupSeconds: 0 };
  const name = `Encrypt ${config.plaintextBytes / 1024} KiB`;
  const sides = {
    on: { server: 'keywarden' as const, serverPid: on.pid, client: on.client, trail: on.trail, target: `${TARGET}.Encrypt`, body: on.body },
    disk: { server: 'keywarden' as const, serverPid: disk.pid, client: disk.client, trail: disk.trail, target: `${TARGET}.Encrypt`, body: disk.body },
    off: { server: 'keywarden' as const, serverPid: off.pid, client: off.client, trail: undefined, target: `${TARGET}.Encrypt`, body: off.body },
  };
  const order: Side[] = ['on', 'off', 'disk'];
  const results: Record<Side, Round[]> = { on: [], off: [], disk: [] };
  for (const which of order) {
    const s = sides[which];
    progress(`warming up keywarden (audit ${which}) for ${config.warmupSeconds + 1} s ...`);
    await runLoad(s.client, s.target, s.body, { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs: (config.warmupSeconds + 1) * 1000, signal: interrupted.signal });
    if (s.trail) await settleAudit(s.trail, s.serverPid);
  }
  progress(`${rounds} rounds of ${seconds} s on each of: audit on (os), audit off, audit on (disk) ...`);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < order.length; i++) {
      const which = order[(r + i) % order.length]!;
      const s = sides[which];
      const round: Round = await measure({ name: `${name}, audit ${which} (round ${r + 1})`, ...s }, perRound, recorder, true);
      if (s.trail) round.catchUp = await settleAudit(s.trail, s.serverPid);
      results[which].push(round);
      if (interrupted.signal.aborted) throw new Error('interrupted');
    }
  }
  return summarizeOverhead(name, seconds, results);
}

/**
 * Lets a server's audit trail apply what waited for the burst to end: a LookupEvents call applies
 * everything first. Timed, with the server CPU it took, and done before anything else is measured.
 */
async function settleAudit(trail: LoadClient, pid: number): Promise<{ ms: number; serverCpuMs: number | undefined }> {
  const before = childCpuMs(pid);
  const t0 = process.hrtime.bigint();
  await trail.call('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents', { MaxResults: 1 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = childCpuMs(pid);
  return { ms, serverCpuMs: before === undefined || after === undefined ? undefined : after - before };
}

async function measure(s: Scenario, config: BenchConfig, recorder: LatencyRecorder, quiet = false): Promise<ScenarioResult> {
  if (!quiet) progress(`${s.name} on ${s.server}: ${config.warmupSeconds} s warm-up, ${config.seconds} s measured ...`);
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
