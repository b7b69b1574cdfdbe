import { randomBytes } from 'node:crypto';
import { formatOverhead, summarizeOverhead, type AuditOverhead, type Round, type Side as AuditSide } from './audit-overhead.js';
import type { Side } from './ceiling.js';
import { readConfig, type BenchConfig } from './config.js';
import { benchCustomKeyStores, formatCustomKeyStores } from './custom-key-stores.js';
import { inProcessOperations, measureInProcess } from './in-process.js';
import { customKeyStoreKey } from './key-store.js';
import { twentyStatementPolicy } from './policies.js';
import type { RunningChild } from './child.js';
import { LoadClient, runLoad } from './load.js';
import { measure, type Scenario } from './measure.js';
import { keywardenMemory } from './memory.js';
import { RESULTS_FILE } from './paths.js';
import { benchStores, storesUnavailable } from './postgres-nodes.js';
import { buildReport, compareInProcess, formatReport, machineLoad, writeJson, type ScenarioResult } from './report.js';
import { formatScale, measureScale, readScaleConfig, settle, type ScaleResult } from './scale.js';
import { startBareServer, startFloorServer, startKeywarden, startMoto } from './servers.js';
import { BenchSession, progress } from './session.js';
import { Signer } from './sigv4.js';
import { LatencyRecorder } from './stats.js';
import { formatStores, type StoreComparison } from './store-comparison.js';

// `npm run bench`: Keywarden's hot operations under closed-loop load, next to the ceiling a bare
// node:http server reaches with the identical request (and moto, when it is installed). Every
// server runs in a process of its own, apart from this one (the load generator).

// The AWS SDK clients that make the bench's custom key stores would warn that their releases after
// January 2027 need Node 22: the lockfile pins this one, so the warning is only noise in the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const TARGET = 'TrentService';
/** Keywarden's options for the main server: cluster changes and connections take no time, so the bench's key store is ready at once. */
const MAIN_ARGS = ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'];

// Everything the session releases, whichever way the run ends; `interrupted` is aborted on
// Ctrl-C / SIGTERM, so the load stops before the servers are asked to.
const session = new BenchSession();
const { children, clients, interrupted } = session;

async function main(): Promise<number> {
  const config = readConfig();
  const scale = process.env.BENCH_SCALE === 'off' ? undefined : readScaleConfig();
  const loadBefore = machineLoad();
  const client = (url: string, service = 'kms') => {
    const signer = new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service });
    const c = new LoadClient(new URL(url), signer, config.requestTimeoutMs, config.concurrency);
    clients.push(c);
    return c;
  };

  progress('starting keywarden ...');
  const keywarden = await startKeywarden({ args: MAIN_ARGS });
  children.push(keywarden);
  const kw = client(keywarden.url);
  const kwTrail = client(keywarden.url, 'cloudtrail');
  const newKey = async (input: Record<string, unknown>) =>
    (await kw.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench', ...input })).KeyMetadata.KeyId;
  const keyId = await newKey({});
  progress('making a custom key store and a key in it (keywarden cluster quickstart) ...');
  const storeKeyId = await customKeyStoreKey(kw, keywarden.url);

  const plaintext = randomBytes(config.plaintextBytes).toString('base64');
  // One real call of each kind: the answers' sizes size the ceiling's answers, and the ciphertexts feed Decrypt.
  const sample = async (c: LoadClient, op: string, input: unknown) => {
    const answer = await c.send(`${TARGET}.${op}`, json(input), true);
    if (answer.status !== 200) throw new Error(`the sample ${op} answered HTTP ${answer.status}: ${answer.body.toString()}`);
    return answer.body;
  };
  const bodies = (key: string, blob: string) => ({
    Encrypt: json({ KeyId: key, Plaintext: plaintext }),
    Decrypt: json({ CiphertextBlob: blob }),
    GenerateDataKey: json({ KeyId: key, KeySpec: 'AES_256' }),
  });
  const ciphertextOf = async (c: LoadClient, key: string) => {
    const body = await sample(c, 'Encrypt', { KeyId: key, Plaintext: plaintext });
    return { bytes: body.length, blob: (JSON.parse(body.toString()) as { CiphertextBlob: string }).CiphertextBlob };
  };
  const service = await ciphertextOf(kw, keyId);
  const store = await ciphertextOf(kw, storeKeyId);
  const sizes = {
    Encrypt: service.bytes,
    Decrypt: (await sample(kw, 'Decrypt', { CiphertextBlob: service.blob })).length,
    GenerateDataKey: (await sample(kw, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' })).length,
  };

  progress(`starting the bare node:http server (answers ${JSON.stringify(sizes)} bytes) ...`);
  const bareChild = await startBareServer(sizes.Encrypt, sizes);
  children.push(bareChild);
  const bare = client(bareChild.url);
  const check = await bare.send(`${TARGET}.Decrypt`, json({}), true);
  if (check.status !== 200 || check.body.length !== sizes.Decrypt) {
    throw new Error(`the bare server answered HTTP ${check.status} with ${check.body.length} bytes, expected 200 with ${sizes.Decrypt}`);
  }
  progress('starting the floor node:http server (SigV4, JSON, base64 and AES-GCM only) ...');
  const floorChild = await startFloorServer();
  children.push(floorChild);
  const floor = client(floorChild.url);
  const floorBlob = (await ciphertextOf(floor, keyId)).blob;

  progress('starting moto, if it is installed (BENCH_MOTO=off leaves it out) ...');
  const moto = await startMoto();
  let motoSide: { client: LoadClient; pid: number; body: Buffer; label: string } | undefined;
  if (moto) {
    children.push(moto);
    const m = client(moto.url);
    const motoKey = (await m.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: 'keywarden bench' })).KeyMetadata.KeyId;
    motoSide = { client: m, pid: moto.pid, body: json({ KeyId: motoKey, Plaintext: plaintext }), label: `moto ${moto.version}` };
  }

  const kib = `${config.plaintextBytes / 1024} KiB`;
  const serviceBodies = bodies(keyId, service.blob);
  const storeBodies = bodies(storeKeyId, store.blob);
  // The floor's Decrypt opens its own ciphertexts; Encrypt and GenerateDataKey take Keywarden's requests as they are.
  const floorBodies = { ...serviceBodies, Decrypt: json({ CiphertextBlob: floorBlob }) };
  const opName = { Encrypt: `Encrypt ${kib}`, Decrypt: `Decrypt ${kib}`, GenerateDataKey: 'GenerateDataKey AES_256' } as const;
  const recorder = new LatencyRecorder(config.maxRequests);
  const results: ScenarioResult[] = [];
  let keywardenLoadSeconds = 0;
  let keywardenRequests = 0;
  const run = async (s: Scenario, extra: Partial<ScenarioResult> = {}) => {
    progress(`${s.name}${s.round ? ` (round ${s.round})` : ''} on ${s.server}: ${config.warmupSeconds} s warm-up, ${config.seconds} s measured ...`);
    const r = { ...(await measure(s, config, recorder, interrupted.signal)), ...extra };
    results.push(r);
    if (s.server === 'keywarden') {
      keywardenLoadSeconds += config.warmupSeconds + r.elapsedSeconds;
      keywardenRequests += r.ok + r.errors + (r.warmupRequests ?? 0);
      // The audit indexing that waited for the burst to end is done now, so it falls in no later scenario.
      const settled = await settle({ pid: keywarden.pid, trail: kwTrail });
      progress(`  audit indexing after the burst: ${settled.ms.toFixed(0)} ms`);
    }
    if (interrupted.signal.aborted) throw new Error('interrupted');
  };

  // The load generator's own code warms up too (its first second runs slower): unmeasured, before anything is.
  progress('warming up the load generator for 2 s ...');
  for (const c of [bare, floor, kw]) await runLoad(c, `${TARGET}.Encrypt`, serviceBodies.Encrypt, { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs: 1_000, signal: interrupted.signal });
  await settle({ pid: keywarden.pid, trail: kwTrail });

  // Interleaved rounds: the ceiling, then each server, for one operation at a time.
  for (let round = 1; round <= config.rounds; round++) {
    for (const op of ['Encrypt', 'Decrypt', 'GenerateDataKey'] as const) {
      const target = `${TARGET}.${op}`;
      const tag = (side: Side, label?: string): Partial<ScenarioResult> => ({ operation: opName[op], side, round, ...(label ? { sideLabel: label } : {}) });
      const name = (side: string) => `${opName[op]}, ${side}`;
      await run({ name: name('ceiling'), server: 'bare node:http', serverPid: bareChild.pid, client: bare, target, body: serviceBodies[op], round }, tag('ceiling', 'bare node:http'));
      await run({ name: name('floor'), server: 'floor node:http', serverPid: floorChild.pid, client: floor, target, body: floorBodies[op], round }, tag('floor', 'floor: SigV4, JSON, AES-GCM'));
      await run({ name: name('service key'), server: 'keywarden', serverPid: keywarden.pid, client: kw, target, body: serviceBodies[op], round }, tag('service key', 'Keywarden, service key'));
      await run({ name: name('custom-key-store key'), server: 'keywarden', serverPid: keywarden.pid, client: kw, target, body: storeBodies[op], round }, tag('custom-key-store key', 'Keywarden, custom-key-store key'));
      if (motoSide && op === 'Encrypt') {
        await run({ name: name(motoSide.label), server: 'moto', serverPid: motoSide.pid, client: motoSide.client, target, body: motoSide.body, round }, tag('moto', motoSide.label));
      }
    }
  }

  const message = randomBytes(config.plaintextBytes).toString('base64');
  const eccKey = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const rsaKey = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  const macKey = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  // The same Encrypt under a key whose policy the evaluator reads 20 conditional statements of.
  const policyKey = await newKey({ Description: 'keywarden bench, 20-statement policy', Policy: twentyStatementPolicy('111122223333') });
  const names = {
    encrypt: `${opName.Encrypt}, service key`,
    signEcc: `Sign ECC_NIST_P256 ${kib}`,
    signRsa: `Sign RSA_2048 ${kib}`,
    mac: `GenerateMac HMAC_256 ${kib}`,
  };
  const on = (name: string, target: string, input: unknown): Scenario => ({ name, server: 'keywarden', serverPid: keywarden.pid, client: kw, target: `${TARGET}.${target}`, body: json(input) });
  await run(on(`Encrypt ${kib}, 20-statement key policy`, 'Encrypt', { KeyId: policyKey, Plaintext: plaintext }));
  await run(on(names.signEcc, 'Sign', { KeyId: eccKey, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
  await run(on(names.signRsa, 'Sign', { KeyId: rsaKey, Message: message, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
  await run(on(names.mac, 'GenerateMac', { KeyId: macKey, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));

  const memory = { after: await keywardenMemory(keywarden.pid, keywarden.url), loadSeconds: keywardenLoadSeconds, requests: keywardenRequests };
  await stopChild(keywarden);
  if (moto) await stopChild(moto);
  await stopChild(bareChild);
  await stopChild(floorChild);

  // The in-process loops run while no load does, each for as long as a measured scenario.
  const inProcess = inProcessOperations(names, config.plaintextBytes).map((op) => {
    progress(`${op.scenario}: ${op.primitive} in-process for ${config.seconds} s ...`);
    return measureInProcess(op, config.seconds, config.maxRequests);
  });

  // Keys in a custom key store, on the software engine and on SoftHSM2 tokens, each beside its ceiling.
  const customKeyStores = await benchCustomKeyStores(
    {
      start: async (args) => {
        const child = await startKeywarden({ args });
        children.push(child);
        return child;
      },
      measure: (name, child, body) =>
        measure({ name, server: 'keywarden', serverPid: child.pid, client: client(child.url), target: `${TARGET}.Encrypt`, body }, config, recorder, interrupted.signal),
      inProcess: (op) => measureInProcess(op, config.seconds, config.maxRequests),
      progress,
    },
    config.plaintextBytes,
  );
  results.push(customKeyStores.software, ...(customKeyStores.softhsm ? [customKeyStores.softhsm] : []));
  if (customKeyStores.ceiling) inProcess.push(customKeyStores.ceiling);

  const auditOverhead = await compareAudit(config, recorder, plaintext, client);

  // Encrypt and CreateKey on SQLite, on PostgreSQL, and on two nodes sharing PostgreSQL (BENCH_POSTGRES=off leaves it out).
  const storesSkipped = storesUnavailable();
  let stores: StoreComparison | undefined;
  if (storesSkipped === undefined) {
    stores = await benchStores({
      config,
      recorder,
      signal: interrupted.signal,
      start: async (start) => {
        const child = await startKeywarden(start);
        children.push(child);
        return child;
      },
      stop: stopChild,
      client,
      progress,
    });
  }

  let scaled: ScaleResult | undefined;
  if (scale) {
    progress(`data scale: a fresh keywarden with 10 keys, then ${scale.keys} keys and ${scale.auditRecords} recorded calls (BENCH_SCALE=off leaves it out) ...`);
    const child = await startKeywarden();
    children.push(child);
    scaled = await measureScale({ pid: child.pid, url: child.url, kms: client(child.url), trail: client(child.url, 'cloudtrail') }, config, scale, recorder, interrupted.signal, progress);
    await stopChild(child);
  }

  const ceilingEncrypt = results.find((r) => r.side === 'ceiling' && r.operation === opName.Encrypt)!;
  const serviceEncrypt = results.find((r) => r.side === 'service key' && r.operation === opName.Encrypt)!;
  const base = buildReport(config, loadBefore, results, serviceEncrypt, ceilingEncrypt, sizes.Encrypt);
  const report = {
    ...base,
    loadAverageAfter: machineLoad(),
    inProcess: compareInProcess(results, inProcess),
    memory,
    customKeyStores,
    auditOverhead,
    ...(stores ? { stores } : { storesSkipped }),
    ...(scaled ? { scale: scaled } : {}),
    valid: base.valid && auditOverhead.valid && (stores?.valid ?? true) && (scaled?.valid ?? true),
  };
  const storesText = stores ? formatStores(stores) : `\nSQLite and PostgreSQL: not measured, ${storesSkipped}\n`;
  process.stdout.write(formatReport(report) + formatCustomKeyStores(customKeyStores) + formatOverhead(auditOverhead) + storesText + (scaled ? formatScale(scaled) : ''));
  writeJson(RESULTS_FILE, report);
  progress(`figures written to ${RESULTS_FILE}`);
  return report.valid ? 0 : 1;
}

/**
 * The same Encrypt burst against three fresh Keywarden processes: as shipped (audit trail on,
 * `--audit-sync os`), with `--audit-sync disk`, and with `--audit off`, in rotating rounds.
 * BENCH_AUDIT_ROUNDS sets how many (default 10).
 */
async function compareAudit(
  config: BenchConfig,
  recorder: LatencyRecorder,
  Plaintext: string,
  client: (url: string, service?: string) => LoadClient,
): Promise<AuditOverhead> {
  const rounds = Math.floor(Number(process.env.BENCH_AUDIT_ROUNDS ?? 10));
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('BENCH_AUDIT_ROUNDS must be a whole number from 1 to 50');
  const start = async (args: string[], label: string) => {
    progress(`starting keywarden ${args.join(' ') || '(as shipped)'}, for the audit trail comparison ...`);
    const child = await startKeywarden({ args });
    children.push(child);
    const c = client(child.url);
    const key = (await c.call<{ KeyMetadata: { KeyId: string } }>(`${TARGET}.CreateKey`, { Description: `keywarden bench, ${label}` })).KeyMetadata.KeyId;
    return { child, pid: child.pid, client: c, trail: client(child.url, 'cloudtrail'), body: json({ KeyId: key, Plaintext }) };
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
  const order: AuditSide[] = ['on', 'off', 'disk'];
  const results: Record<AuditSide, Round[]> = { on: [], off: [], disk: [] };
  for (const which of order) {
    const s = sides[which];
    progress(`warming up keywarden (audit ${which}) for ${config.warmupSeconds + 1} s ...`);
    await runLoad(s.client, s.target, s.body, { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs: (config.warmupSeconds + 1) * 1000, signal: interrupted.signal });
    if (s.trail) await settle({ pid: s.serverPid, trail: s.trail });
  }
  progress(`${rounds} rounds of ${seconds} s on each of: audit on (os), audit off, audit on (disk) ...`);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < order.length; i++) {
      const which = order[(r + i) % order.length]!;
      const s = sides[which];
      const round: Round = await measure({ name: `${name}, audit ${which} (round ${r + 1})`, ...s }, perRound, recorder, interrupted.signal);
      if (s.trail) round.catchUp = await settle({ pid: s.serverPid, trail: s.trail });
      results[which].push(round);
      if (interrupted.signal.aborted) throw new Error('interrupted');
    }
  }
  for (const s of [on, disk, off]) await stopChild(s.child);
  return summarizeOverhead(name, seconds, results);
}

async function stopChild(child: RunningChild): Promise<void> {
  const i = children.indexOf(child);
  if (i >= 0) children.splice(i, 1);
  await child.stop();
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
await session.run(main);
