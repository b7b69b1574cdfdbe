// A model-driven fuzzer: every operation of the KMS, CloudHSM v2 and CloudTrail models and of the
// KeywardenAdmin and KeywardenHsm APIs gets signed requests with hostile input generated from its
// input shape (test/support/hostile-input.ts). Input that is invalid must get a 4xx with an AWS
// error body, quickly, and must leave the server alive, with bounded memory, an intact audit trail
// and a data directory that did not swell. The run is seeded: KEYWARDEN_FUZZ_SEED=<seed> replays
// the same requests, and KEYWARDEN_FUZZ_ONLY=<regular expression over the X-Amz-Target> sends only
// those of the same plan that match.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminService } from '../../src/operations/admin/index.js';
import { hsmService } from '../../src/operations/hsm/index.js';
import { AUDITED_SERVICES } from '../../src/audit/sources.js';
import { adminInputModel } from '../support/admin-input-model.js';
import { hsmInputModel } from '../support/hsm-input-model.js';
import { hostileCases, withExamples, type HostileCase, type ModelSpec } from '../support/hostile-input.js';
import { Prng, seedFrom } from '../support/prng.js';
import { ROOT, startServer, type TestServer } from '../support/server.js';
import { signedCall, type SignedReply } from '../support/signed-call.js';

const SEED = seedFrom('KEYWARDEN_FUZZ_SEED');
const ONLY = process.env.KEYWARDEN_FUZZ_ONLY ? new RegExp(process.env.KEYWARDEN_FUZZ_ONLY) : undefined;
/** Hostile requests per operation; with 159 operations, about 2,200 in all. */
const PER_OPERATION = 14;
const MAX_REQUESTS = 2_500;
/**
 * Sending stops here even if requests are left; the coverage test then fails. A bound on the run,
 * not a speed test: two nodes on PostgreSQL take 21–25 s on the 2-core CI machine, and once, on a
 * slow afternoon, more than 30.
 */
const TIME_BUDGET_MS = 60_000;
const CONCURRENCY = 4;
/** Operations (of 159) that get one request of a few hundred kilobytes to a megabyte. */
const HUGE_OPERATIONS = 80;
/** An answer to invalid input needs no work: anything slower than this is a stall. */
const ANSWER_BOUND_MS = 5_000;
/** Given up on (and counted as no answer) after this. */
const REQUEST_TIMEOUT_MS = 20_000;
const RSS_BOUND_MB = 400;
const DATA_DIR_GROWTH_BOUND_MB = 50;
/** A hard stop for the whole run, the checks after the sending included. */
const RUN_TIMEOUT_MS = 180_000;

interface Api {
  name: string;
  targetPrefix: string;
  signingName: string;
  model: ModelSpec;
}

interface ModelFile extends ModelSpec {
  metadata: { targetPrefix: string; signingName?: string; endpointPrefix?: string };
}

function modelApi(file: string, name: string): Api {
  const model = JSON.parse(readFileSync(join(ROOT, 'src/protocol/models', file), 'utf8')) as ModelFile;
  return { name, targetPrefix: model.metadata.targetPrefix, signingName: model.metadata.signingName ?? model.metadata.endpointPrefix!, model };
}

const APIS: Api[] = [
  modelApi('kms.json', 'KMS'),
  modelApi('cloudhsmv2.json', 'CloudHSM v2'),
  modelApi('cloudtrail.json', 'CloudTrail'),
  { name: 'KeywardenAdmin', targetPrefix: adminService.targetPrefix, signingName: adminService.signingName, model: adminInputModel },
  { name: 'KeywardenHsm', targetPrefix: hsmService.targetPrefix, signingName: hsmService.signingName, model: hsmInputModel },
];

/**
 * A key and a subnet that exist, named by the members a case leaves alone, so that a hostile
 * member next to them reaches the handler and the change behind it, not only the validation.
 */
async function withFixtures(): Promise<Api[]> {
  const key = await call('TrentService.CreateKey', 'kms', { Description: 'fuzz target' });
  assert.equal(key.status, 200, key.text);
  const keyArn = (key.json as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  const subnets = await call('KeywardenAdmin.ListSubnets', 'keywarden');
  assert.equal(subnets.status, 200, subnets.text);
  const subnetId = (subnets.json as { Subnets: Array<{ SubnetId: string }> }).Subnets[0]!.SubnetId;
  const examples: Record<string, Record<string, unknown>> = {
    KMS: { KeyIdType: keyArn },
    KeywardenAdmin: { KeyId: keyArn, SubnetId: subnetId },
  };
  return APIS.map((api) => (examples[api.name] ? { ...api, model: withExamples(api.model, examples[api.name]!) } : api));
}

interface Planned {
  index: number;
  api: Api;
  operation: string;
  c: HostileCase;
}

interface Outcome {
  planned: Planned;
  bodyBytes: number;
  reply?: SignedReply;
  error?: string;
}

interface Memory {
  rssMb: number;
  peakMb: number;
}

/** What the server showed once the fuzzing stopped. */
interface AfterRun {
  alive: boolean;
  validCalls: SignedReply[];
  verify?: SignedReply;
  verifyError?: string;
  /** The requestID of every record in the trail, or why the export failed. */
  recordedRequestIds: Set<string> | string;
  memory: Memory;
  /** Bytes in the data directory while the server runs, once VerifyAuditTrail has flushed the trail. */
  dirBytesLive: number;
  /** Bytes in the data directory once the server stopped (logs folded into the database). */
  dirBytesStopped: number;
  exitCode: number | null;
}

let server: TestServer;
const outcomes: Outcome[] = [];
const sentPerOperation = new Map<string, number>();
let plannedCount = 0;
let elapsedMs = 0;
let stoppedByTime = false;
let megabyteRequests = 0;
let memoryBefore: Memory;
let dirBefore = 0;
let afterRun: AfterRun;

const opKey = (api: Api, operation: string) => `${api.targetPrefix}.${operation}`;
const replay = `KEYWARDEN_FUZZ_SEED=${SEED} node --test dist/test/reliability/fuzz.test.js`;
const selected = (api: Api, operation: string) => ONLY === undefined || ONLY.test(opKey(api, operation));

function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * Every operation's cases, sent round by round (the first case of each, then the second, ...) so
 * that a run cut short still covers every operation. The plan is the same whatever ONLY selects.
 */
function plan(apis: Api[], prng: Prng): Planned[] {
  const ops = prng.shuffle(apis.flatMap((api) => Object.keys(api.model.operations).map((operation) => ({ api, operation }))));
  const perOp = ops.map(({ api, operation }, i) => hostileCases(api.model, operation, prng, PER_OPERATION, i < HUGE_OPERATIONS ? 1 : 0));
  const out: Planned[] = [];
  for (let round = 0; round < PER_OPERATION; round++) {
    ops.forEach(({ api, operation }, i) => {
      const c = perOp[i]![round];
      if (c && out.length < MAX_REQUESTS) out.push({ index: out.length, api, operation, c });
    });
  }
  return out.filter((p) => selected(p.api, p.operation));
}

function describeOutcome(o: Outcome): string {
  const p = o.planned;
  const what = o.reply ? `HTTP ${o.reply.status} in ${Math.round(o.reply.ms)} ms: ${o.reply.text.slice(0, 160)}` : `no answer: ${o.error}`;
  return `#${p.index} ${opKey(p.api, p.operation)} ${p.c.kind} at ${p.c.path} (${p.c.detail}, ${o.bodyBytes} bytes) -> ${what}`;
}

/** A failure message that names the seed, counts the failures by operation and kind, and shows the first few. */
function report(title: string, failed: Outcome[]): string {
  const groups = new Map<string, number>();
  for (const o of failed) {
    const k = `${opKey(o.planned.api, o.planned.operation)} ${o.planned.c.kind}`;
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  return [
    `${title}: ${failed.length} of ${outcomes.length} requests (seed ${SEED}; replay: ${replay})`,
    'by operation and kind:',
    ...[...groups].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, n]) => `  ${n} x ${k}`),
    'first ones:',
    ...failed.slice(0, 15).map((o) => `  ${describeOutcome(o)}`),
  ].join('\n');
}

const call = (target: string, signingName: string, input: unknown = {}) =>
  signedCall(server.port, target, signingName, Buffer.from(JSON.stringify(input)), { timeoutMs: REQUEST_TIMEOUT_MS });

async function fuzz(cases: Planned[]): Promise<void> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (performance.now() - started > TIME_BUDGET_MS) {
        stoppedByTime ||= next < cases.length;
        return;
      }
      const planned = cases[next++];
      if (!planned) return;
      const body = planned.c.body();
      if (body.length >= 300 * 1024) megabyteRequests++;
      const key = opKey(planned.api, planned.operation);
      sentPerOperation.set(key, (sentPerOperation.get(key) ?? 0) + 1);
      const outcome: Outcome = { planned, bodyBytes: body.length };
      try {
        outcome.reply = await signedCall(server.port, key, planned.api.signingName, body, { timeoutMs: REQUEST_TIMEOUT_MS });
      } catch (err) {
        outcome.error = (err as Error).message;
      }
      outcomes.push(outcome);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  elapsedMs = performance.now() - started;
}

/** The requestID of every record of the trail, read page by page as `keywarden audit export` does. */
async function exportedRequestIds(): Promise<Set<string> | string> {
  const ids = new Set<string>();
  let token: string | undefined;
  const deadline = performance.now() + 60_000;
  // Bounded: the trail of this run holds a few thousand records.
  for (let page = 0; page < 1_000 && performance.now() < deadline; page++) {
    let r: SignedReply;
    try {
      r = await call('KeywardenAdmin.ExportAuditEvents', 'keywarden', token === undefined ? { MaxRecords: 100 } : { MaxRecords: 100, NextToken: token });
    } catch (err) {
      return `ExportAuditEvents did not answer: ${(err as Error).message}`;
    }
    if (r.status !== 200) return `ExportAuditEvents answered ${r.status}: ${r.text.slice(0, 300)}`;
    const body = r.json as { Records: string[]; NextToken?: string };
    for (const record of body.Records) ids.add((JSON.parse(record) as { requestID?: string }).requestID ?? '');
    token = body.NextToken;
    if (token === undefined) return ids;
  }
  return 'ExportAuditEvents still had pages after 1,000 pages or 60 s';
}

/** Whether the trail records calls of this operation (docs/audit.md: not the HSM protocol, not reads of the trail). */
function recorded(api: Api, operation: string): boolean {
  const service = AUDITED_SERVICES[api.targetPrefix];
  return service !== undefined && !service.unrecorded?.has(operation);
}

before(async () => {
  // Clock control on, so that AdvanceClock is fuzzed past its guard.
  // Hostile bytes reach the node's own parser, not the test balancer's.
  server = await startServer({ allowClockControl: true, nodes: 1 });
  memoryBefore = memory(server.pid!);
  dirBefore = dirBytes(server.dataDir);
  const cases = plan(await withFixtures(), new Prng(SEED));
  plannedCount = cases.length;
  await fuzz(cases);

  const pid = server.pid!;
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch {
    alive = false;
  }
  const memoryAfter = alive ? memory(pid) : { rssMb: NaN, peakMb: NaN };
  const validCalls = alive ? await Promise.all([call('TrentService.ListKeys', 'kms'), call('KeywardenAdmin.GetClock', 'keywarden')]) : [];
  let verify: SignedReply | undefined;
  let verifyError: string | undefined;
  try {
    verify = await call('KeywardenAdmin.VerifyAuditTrail', 'keywarden');
  } catch (err) {
    verifyError = (err as Error).message;
  }
  const recordedRequestIds = await exportedRequestIds();
  const dirBytesLive = dirBytes(server.dataDir);
  const exitCode = await server.stop();
  afterRun = {
    alive,
    validCalls,
    verify,
    verifyError,
    recordedRequestIds,
    memory: memoryAfter,
    dirBytesLive,
    dirBytesStopped: dirBytes(server.dataDir),
    exitCode,
  };
}, { timeout: RUN_TIMEOUT_MS });

after(async () => {
  const line = (s: string) => process.stdout.write(`# ${s}\n`);
  line(`fuzz seed ${SEED}: ${outcomes.length} of ${plannedCount} planned requests (${megabyteRequests} of 300 KB or more) in ${Math.round(elapsedMs)} ms`);
  if (afterRun) {
    line(`fuzz server RSS ${memoryBefore.rssMb.toFixed(0)} MB before, ${afterRun.memory.rssMb.toFixed(0)} MB after, peak ${afterRun.memory.peakMb.toFixed(0)} MB`);
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    line(`fuzz data directory ${mb(dirBefore)} MB before, ${mb(afterRun.dirBytesLive)} MB after (running), ${mb(afterRun.dirBytesStopped)} MB (stopped)`);
  }
  await server?.dispose();
});

/** A stack frame or a source path in a body: the service leaked its internals. */
const STACK = /\n\s+at |node:internal|\.[cm]?js:\d+:\d+|dist\/src\//;

/** Errors AWS KMS sends, in some or all cases, with no message member: the name alone. */
const MAY_LACK_MESSAGE: ReadonlySet<string> = new Set([
  'InvalidCiphertextException',
  'KMSInvalidSignatureException',
  'KMSInvalidMacException',
  'UnsupportedOperationException',
  'ValidationException',
]);

describe(`hostile input to every operation (seed ${SEED})`, () => {
  test('the input models know every KeywardenAdmin and KeywardenHsm operation', () => {
    assert.deepEqual([...adminService.operations.keys()].sort(), Object.keys(adminInputModel.operations).sort());
    assert.deepEqual([...hsmService.operations.keys()].sort(), Object.keys(hsmInputModel.operations).sort());
  });

  test(`every operation got its ${PER_OPERATION} requests within ${TIME_BUDGET_MS / 1000} s`, () => {
    const short: string[] = [];
    for (const api of APIS) {
      for (const operation of Object.keys(api.model.operations)) {
        const n = sentPerOperation.get(opKey(api, operation)) ?? 0;
        if (selected(api, operation) && n < PER_OPERATION) short.push(`${opKey(api, operation)}: ${n}`);
      }
    }
    assert.equal(stoppedByTime, false, `the time budget ran out after ${outcomes.length} of ${plannedCount} requests (seed ${SEED})`);
    assert.deepEqual(short, [], `operations that got fewer than ${PER_OPERATION} requests`);
  });

  test('every request is answered', () => {
    const failed = outcomes.filter((o) => !o.reply);
    assert.equal(failed.length, 0, report('no answer (connection reset or timeout)', failed));
  });

  test('no hostile request is answered with a 5xx', () => {
    const failed = outcomes.filter((o) => o.reply && o.reply.status >= 500);
    assert.equal(failed.length, 0, report('5xx answers', failed));
  });

  test('every answer is a JSON object; every error has a __type, a message (unless AWS sends none) and no stack trace', () => {
    const failed = outcomes.filter((o) => {
      const r = o.reply;
      if (!r) return false;
      if (r.json === null || typeof r.json !== 'object' || Array.isArray(r.json)) return true;
      if (r.status === 200) return false;
      const body = r.json as Record<string, unknown>;
      if (typeof body.__type !== 'string' || body.__type === '') return true;
      const message = body.message ?? body.Message;
      if (message === undefined) return !MAY_LACK_MESSAGE.has(body.__type);
      return typeof message !== 'string' || STACK.test(message);
    });
    assert.equal(failed.length, 0, report('answers that are not JSON with a __type', failed));
  });

  test(`every answer comes within ${ANSWER_BOUND_MS} ms`, () => {
    const failed = outcomes.filter((o) => o.reply && o.reply.ms > ANSWER_BOUND_MS);
    assert.equal(failed.length, 0, report('slow answers', failed));
  });

  test('the server is still alive and answers valid calls', () => {
    assert.ok(afterRun.alive, `the server process is gone (seed ${SEED})`);
    for (const r of afterRun.validCalls) assert.equal(r.status, 200, `a valid call after the run: ${r.text} (seed ${SEED})`);
  });

  test('the audit trail is intact after the run', () => {
    assert.ok(afterRun.verify, `VerifyAuditTrail did not answer: ${afterRun.verifyError}`);
    assert.equal(afterRun.verify.status, 200, afterRun.verify.text);
    assert.equal((afterRun.verify.json as { Valid?: boolean }).Valid, true, afterRun.verify.text);
  });

  test('every answered call the trail records has its record, whatever its input', () => {
    const ids = afterRun.recordedRequestIds;
    assert.ok(typeof ids !== 'string', ids as string);
    const failed = outcomes.filter((o) => o.reply && recorded(o.planned.api, o.planned.operation) && !ids.has(String(o.reply.headers['x-amzn-requestid'])));
    const checked = outcomes.filter((o) => o.reply && recorded(o.planned.api, o.planned.operation)).length;
    assert.equal(failed.length, 0, report(`answered calls without an audit record (of ${checked} that must have one)`, failed));
  });

  test('the server then stops cleanly', () => {
    assert.equal(afterRun.exitCode, 0, `exit code on SIGTERM after the run (seed ${SEED})`);
  });

  test(`the server's memory stays under ${RSS_BOUND_MB} MB`, () => {
    const m = afterRun.memory;
    assert.ok(m.rssMb < RSS_BOUND_MB, `RSS ${m.rssMb.toFixed(0)} MB after the run (before: ${memoryBefore.rssMb.toFixed(0)} MB; seed ${SEED})`);
    assert.ok(m.peakMb < RSS_BOUND_MB, `peak RSS ${m.peakMb.toFixed(0)} MB during the run (seed ${SEED})`);
  });

  test(`the data directory grows by less than ${DATA_DIR_GROWTH_BOUND_MB} MB, running and stopped`, () => {
    for (const [when, bytes] of [['running', afterRun.dirBytesLive], ['stopped', afterRun.dirBytesStopped]] as const) {
      const growthMb = (bytes - dirBefore) / 2 ** 20;
      assert.ok(
        growthMb < DATA_DIR_GROWTH_BOUND_MB,
        `the data directory (${when}) grew by ${growthMb.toFixed(1)} MB for ${outcomes.length} hostile requests (${megabyteRequests} of 300 KB or more; seed ${SEED})`,
      );
    }
  });
});
