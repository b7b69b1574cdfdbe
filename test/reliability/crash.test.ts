// kill -9 under load: a few workers drive a mixed load through @aws-sdk/client-kms (CreateKey,
// CreateAlias, Encrypt, TagResource, DisableKey, ScheduleKeyDeletion), the server is killed with
// SIGKILL at a random moment and started again on the same data directory, and every write a
// client was told succeeded must be there: the key in the state it was left in, the alias pointing
// where it was pointed, the tags, every ciphertext decrypting to its plaintext, and a record of
// every acknowledged call in an audit trail that `keywarden audit verify` calls intact. A call
// that was in flight at the kill may have happened or not, but nothing else. Seeded:
// KEYWARDEN_CRASH_SEED=<seed> replays the same load and kill moments (the interleaving of the
// workers is the machine's).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { Prng, seedFrom } from '../support/prng.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

const SEED = seedFrom('KEYWARDEN_CRASH_SEED');
const ROUNDS = 4;
/** Fewer rounds than this fails the run: the time budget was too small for the machine. */
const MIN_ROUNDS = 3;
/** No round starts after this; a round takes a few seconds. */
const ROUNDS_BUDGET_MS = 55_000;
const WORKERS = 6;
/**
 * The kill is armed this long after the load starts (drawn from the seed), then lands 0-20 ms
 * after the next changing call is sent, so that it often cuts a write in progress: the client
 * side of this test is slower than the server, which would otherwise mostly be killed idle.
 */
const KILL_AFTER_MS: readonly [number, number] = [300, 2_500];
const KILL_DELAY_MS: readonly [number, number] = [0, 20];
/** The kill comes this long after it was armed even if no changing call was sent. */
const KILL_FALLBACK_MS = 1_000;
/** Each worker stops after this many calls a round even if the kill has not come yet. */
const MAX_CALLS_PER_WORKER = 2_000;
const CHECK_CONCURRENCY = 4;
const REGION = 'us-east-1';
/** A hard stop for the whole run (the rounds normally take 20-30 s), should a check hang. */
const RUN_TIMEOUT_MS = 180_000;

type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

interface Ciphertext {
  blob: Uint8Array;
  plaintext: Buffer;
  context: Record<string, string>;
}

/** What the clients were told about one key, and what a call cut off by the kill may have done. */
interface KeyModel {
  id: string;
  arn: string;
  round: number;
  state: KeyState;
  /** States a call in flight at the kill may have left the key in. */
  maybeStates: Set<KeyState>;
  tags: Map<string, string>;
  maybeTags: Map<string, string>;
  ciphertexts: Ciphertext[];
}

interface AliasModel {
  name: string;
  keyId: string;
  /** False: the call was in flight at the kill, so the alias may be missing (but points nowhere else). */
  acknowledged: boolean;
}

interface AckedCall {
  operation: string;
  requestId: string;
  round: number;
}

type Category = 'load' | 'restart' | 'keys' | 'aliases' | 'tags' | 'decrypt' | 'audit' | 'verify';

const keys: KeyModel[] = [];
const aliases: AliasModel[] = [];
const acked: AckedCall[] = [];
const problems = new Map<Category, string[]>();
const inFlightAtKill: string[] = [];
let roundsDone = 0;
let elapsedMs = 0;
const checksDone = { states: 0, aliases: 0, tags: 0, decrypts: 0, auditRecords: 0, verifies: 0 };
let server: TestServer;

const problem = (c: Category, text: string) => problems.set(c, [...(problems.get(c) ?? []), text]);

function client(): KMSClient {
  return new KMSClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 15_000, connectionTimeout: 5_000 },
  });
}

/** `keywarden <args>` against the server, as an operator runs it. */
const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: ROOT });

/** Runs `fn` over `items`, `n` at a time. */
async function inPool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const requestIdOf = (out: { $metadata: { requestId?: string } }) => out.$metadata.requestId ?? '';
const errorText = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;

/** One round's load: workers call until the kill (or their call bound), then the server is gone. */
async function load(round: number, prng: Prng): Promise<void> {
  const kms = client();
  let armed = false;
  let killing = false;
  let killed: Promise<void> | undefined;
  const kill = () => {
    if (killed) return;
    killing = true;
    killed = server.crash();
  };
  const killAfter = prng.between(KILL_AFTER_MS[0], KILL_AFTER_MS[1]);
  const killDelay = prng.between(KILL_DELAY_MS[0], KILL_DELAY_MS[1]);
  let aliasCount = 0;

  const worker = async (w: number) => {
    const rnd = new Prng(prng.next());
    const mine: KeyModel[] = [];
    for (let n = 0; n < MAX_CALLS_PER_WORKER && !killing; n++) {
      const usable = mine.filter((k) => k.state !== 'PendingDeletion');
      const enabled = mine.filter((k) => k.state === 'Enabled');
      const r = rnd.below(100);
      let op: string;
      if (enabled.length < 2 || r < 10) op = 'CreateKey';
      else if (r < 55) op = 'Encrypt';
      else if (r < 67) op = 'CreateAlias';
      else if (r < 85) op = 'TagResource';
      else if (r < 92) op = 'DisableKey';
      else op = 'ScheduleKeyDeletion';
      const key = op === 'CreateKey' ? undefined : op === 'DisableKey' || op === 'Encrypt' ? rnd.pick(enabled) : rnd.pick(usable);
      // What the call would change, so that a call cut off by the kill can be allowed for.
      let onAck: (out: any) => void = () => undefined;
      let ifCut: () => void = () => undefined;
      let send: () => Promise<any>;
      switch (op) {
        case 'CreateKey':
          send = () => kms.send(new CreateKeyCommand({ Description: `crash round ${round} worker ${w}` }));
          onAck = (out) => {
            const k: KeyModel = {
              id: out.KeyMetadata.KeyId,
              arn: out.KeyMetadata.Arn,
              round,
              state: 'Enabled',
              maybeStates: new Set(),
              tags: new Map(),
              maybeTags: new Map(),
              ciphertexts: [],
            };
            mine.push(k);
            keys.push(k);
          };
          break;
        case 'Encrypt': {
          const plaintext = randomBytes(rnd.between(1, 512));
          const context = { round: String(round), worker: String(w), call: String(n) };
          send = () => kms.send(new EncryptCommand({ KeyId: key!.id, Plaintext: plaintext, EncryptionContext: context }));
          onAck = (out) => key!.ciphertexts.push({ blob: out.CiphertextBlob, plaintext, context });
          break;
        }
        case 'CreateAlias': {
          const name = `alias/crash-${SEED}-${round}-${w}-${aliasCount++}`;
          send = () => kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key!.id }));
          onAck = () => aliases.push({ name, keyId: key!.id, acknowledged: true });
          ifCut = () => aliases.push({ name, keyId: key!.id, acknowledged: false });
          break;
        }
        case 'TagResource': {
          const tagKey = `t-${round}-${w}-${n}`;
          const tagValue = randomBytes(6).toString('hex');
          send = () => kms.send(new TagResourceCommand({ KeyId: key!.id, Tags: [{ TagKey: tagKey, TagValue: tagValue }] }));
          onAck = () => key!.tags.set(tagKey, tagValue);
          ifCut = () => key!.maybeTags.set(tagKey, tagValue);
          break;
        }
        case 'DisableKey':
          send = () => kms.send(new DisableKeyCommand({ KeyId: key!.id }));
          onAck = () => (key!.state = 'Disabled');
          ifCut = () => key!.maybeStates.add('Disabled');
          break;
        default:
          send = () => kms.send(new ScheduleKeyDeletionCommand({ KeyId: key!.id, PendingWindowInDays: 7 }));
          onAck = () => (key!.state = 'PendingDeletion');
          ifCut = () => key!.maybeStates.add('PendingDeletion');
      }
      try {
        const pending = send();
        if (armed && op !== 'Encrypt') {
          armed = false;
          setTimeout(kill, killDelay);
        }
        const out = await pending;
        onAck(out);
        acked.push({ operation: op, requestId: requestIdOf(out), round });
      } catch (err) {
        if (killing) {
          ifCut();
          inFlightAtKill.push(op);
          return;
        }
        problem('load', `round ${round} worker ${w}: ${op} failed before the kill: ${errorText(err)}`);
        return;
      }
    }
  };

  const workers = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await new Promise((resolve) => setTimeout(resolve, killAfter));
  armed = true;
  const fallback = setTimeout(kill, KILL_FALLBACK_MS);
  await workers;
  clearTimeout(fallback);
  // Workers that ran out of calls before the kill leave it to the fallback, or to nobody.
  kill();
  await killed;
  kms.destroy();
}

/** Every acknowledged write of `subset` (and what calls cut off by the kill may have done) is there. */
async function checkWrites(kms: KMSClient, subset: KeyModel[], aliasSubset: AliasModel[], label: string): Promise<void> {
  await inPool(subset, CHECK_CONCURRENCY, async (k) => {
    try {
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.id }))).KeyMetadata!;
      checksDone.states++;
      const allowed = new Set([k.state, ...k.maybeStates]);
      if (!allowed.has(meta.KeyState as KeyState)) {
        problem('keys', `${label}: key ${k.id} (round ${k.round}) is ${meta.KeyState}; acknowledged ${k.state}${k.maybeStates.size ? `, maybe ${[...k.maybeStates].join('/')}` : ''}`);
      }
      if (meta.KeyState === 'PendingDeletion' && !meta.DeletionDate) problem('keys', `${label}: key ${k.id} is PendingDeletion without a DeletionDate`);
      k.state = meta.KeyState as KeyState;
      k.maybeStates.clear();
    } catch (err) {
      problem('keys', `${label}: DescribeKey ${k.id} (round ${k.round}, acknowledged ${k.state}): ${errorText(err)}`);
      return;
    }
    try {
      const found = new Map<string, string>();
      let marker: string | undefined;
      for (let page = 0; page < 100; page++) {
        const out = await kms.send(new ListResourceTagsCommand({ KeyId: k.id, Marker: marker }));
        for (const t of out.Tags ?? []) found.set(t.TagKey!, t.TagValue!);
        marker = out.NextMarker;
        if (!out.Truncated) break;
      }
      checksDone.tags += k.tags.size;
      for (const [tk, tv] of k.tags) if (found.get(tk) !== tv) problem('tags', `${label}: key ${k.id}: acknowledged tag ${tk}=${tv}, found ${found.get(tk) ?? 'none'}`);
      for (const [tk, tv] of found) {
        if (k.tags.get(tk) !== tv && k.maybeTags.get(tk) !== tv) problem('tags', `${label}: key ${k.id}: tag ${tk}=${tv} that no call set`);
      }
      for (const [tk, tv] of k.maybeTags) if (found.get(tk) === tv) k.tags.set(tk, tv);
      k.maybeTags.clear();
    } catch (err) {
      problem('tags', `${label}: ListResourceTags ${k.id}: ${errorText(err)}`);
    }
  });

  const targets = new Map<string, string>();
  let marker: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const out = await kms.send(new ListAliasesCommand({ Marker: marker, Limit: 100 }));
    for (const a of out.Aliases ?? []) if (a.TargetKeyId) targets.set(a.AliasName!, a.TargetKeyId);
    marker = out.NextMarker;
    if (!out.Truncated) break;
  }
  for (const a of aliasSubset) {
    checksDone.aliases++;
    const target = targets.get(a.name);
    if (a.acknowledged && target !== a.keyId) problem('aliases', `${label}: ${a.name} should point to ${a.keyId}, points to ${target ?? 'nothing'}`);
    if (!a.acknowledged && target !== undefined && target !== a.keyId) problem('aliases', `${label}: ${a.name} (cut off by the kill) points to ${target}, not ${a.keyId}`);
    if (!a.acknowledged && target === a.keyId) a.acknowledged = true;
  }
}

/** Keys left disabled or pending deletion are enabled again, so that their ciphertexts can be decrypted. */
async function enableAll(kms: KMSClient, subset: KeyModel[], round: number): Promise<void> {
  await inPool(subset, CHECK_CONCURRENCY, async (k) => {
    try {
      if (k.state === 'PendingDeletion') {
        const out = await kms.send(new CancelKeyDeletionCommand({ KeyId: k.id }));
        acked.push({ operation: 'CancelKeyDeletion', requestId: requestIdOf(out), round });
        k.state = 'Disabled';
      }
      if (k.state === 'Disabled') {
        const out = await kms.send(new EnableKeyCommand({ KeyId: k.id }));
        acked.push({ operation: 'EnableKey', requestId: requestIdOf(out), round });
        k.state = 'Enabled';
      }
    } catch (err) {
      problem('keys', `round ${round}: enabling ${k.id} again after the check: ${errorText(err)}`);
    }
  });
}

async function checkCiphertexts(kms: KMSClient, subset: KeyModel[], label: string): Promise<void> {
  const all = subset.flatMap((k) => k.ciphertexts.map((c) => ({ k, c })));
  await inPool(all, CHECK_CONCURRENCY, async ({ k, c }) => {
    checksDone.decrypts++;
    try {
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: c.blob, EncryptionContext: c.context }));
      if (out.KeyId !== k.arn) problem('decrypt', `${label}: a ciphertext of ${k.arn} decrypted under ${out.KeyId}`);
      if (!Buffer.from(out.Plaintext!).equals(c.plaintext)) problem('decrypt', `${label}: a ciphertext of ${k.id} decrypted to other bytes`);
    } catch (err) {
      problem('decrypt', `${label}: a ciphertext of ${k.id} (round ${k.round}, ${c.plaintext.length} bytes): ${errorText(err)}`);
    }
  });
}

/** Every acknowledged call has its record (by requestID), and the digest chain is intact. */
async function checkAudit(label: string): Promise<void> {
  const exported = await keywarden('audit', 'export');
  if (exported.status !== 0) {
    problem('audit', `${label}: keywarden audit export exited ${exported.status}: ${exported.stderr.slice(0, 300)}`);
  } else {
    const ids = new Set<string>();
    for (const line of exported.stdout.split('\n')) if (line !== '') ids.add((JSON.parse(line) as { requestID?: string }).requestID ?? '');
    const missing = acked.filter((a) => !ids.has(a.requestId));
    checksDone.auditRecords = acked.length;
    if (missing.length > 0) {
      const byOp = new Map<string, number>();
      for (const m of missing) byOp.set(`${m.operation} (round ${m.round})`, (byOp.get(`${m.operation} (round ${m.round})`) ?? 0) + 1);
      problem('audit', `${label}: ${missing.length} of ${acked.length} acknowledged calls have no record: ${[...byOp].map(([k, n]) => `${n} x ${k}`).join(', ')}; e.g. ${missing[0]!.requestId}`);
    }
  }
  const verify = await keywarden('audit', 'verify', '--json');
  checksDone.verifies++;
  if (verify.status !== 0 || (verify.json as { Valid?: boolean } | undefined)?.Valid !== true) {
    problem('verify', `${label}: keywarden audit verify exited ${verify.status}: ${verify.stdout.slice(0, 400)} ${verify.stderr.slice(0, 300)}`);
  }
}

before(async () => {
  // kill -9 of one node's process; two nodes under load and killed are test/e2e/two-nodes.test.ts's.
  server = await startServer({ nodes: 1 });
  const prng = new Prng(SEED);
  const started = performance.now();
  let up = true;
  for (let round = 1; round <= ROUNDS && performance.now() - started < ROUNDS_BUDGET_MS; round++) {
    await load(round, prng);
    try {
      await server.restart();
    } catch (err) {
      problem('restart', `round ${round}: the server did not start again after the kill: ${(err as Error).message}`);
      up = false;
      break;
    }
    const kms = client();
    try {
      const label = `round ${round}`;
      const thisRound = keys.filter((k) => k.round === round);
      await checkWrites(kms, thisRound, aliases.filter((a) => a.name.startsWith(`alias/crash-${SEED}-${round}-`)), label);
      await checkAudit(label);
      await enableAll(kms, thisRound, round);
      await checkCiphertexts(kms, thisRound, label);
    } finally {
      kms.destroy();
    }
    roundsDone = round;
  }
  elapsedMs = performance.now() - started;
  if (!up) return;
  // The writes of every round once more, after every later kill.
  const kms = client();
  try {
    await checkWrites(kms, keys, aliases, 'after all rounds');
    await checkCiphertexts(kms, keys, 'after all rounds');
    await checkAudit('after all rounds');
  } finally {
    kms.destroy();
  }
  elapsedMs = performance.now() - started;
}, { timeout: RUN_TIMEOUT_MS });

after(async () => {
  const byOp = new Map<string, number>();
  for (const a of acked) byOp.set(a.operation, (byOp.get(a.operation) ?? 0) + 1);
  process.stdout.write(
    `# crash seed ${SEED}: ${roundsDone} rounds in ${Math.round(elapsedMs)} ms; ${acked.length} acknowledged calls (${[...byOp].map(([k, n]) => `${k} ${n}`).join(', ')}); ` +
      `${inFlightAtKill.length} in flight at a kill; checked ${checksDone.states} key states, ${checksDone.aliases} aliases, ${checksDone.tags} tags, ` +
      `${checksDone.decrypts} decrypts, ${checksDone.auditRecords} audit records, ${checksDone.verifies} audit verifies\n`,
  );
  await server?.dispose();
});

const report = (c: Category) => `${(problems.get(c) ?? []).slice(0, 20).join('\n')}\n(seed ${SEED}; replay: KEYWARDEN_CRASH_SEED=${SEED} node --test dist/test/reliability/crash.test.js)`;

describe(`kill -9 under a mixed KMS load (seed ${SEED})`, () => {
  test(`at least ${MIN_ROUNDS} rounds ran, each with acknowledged writes`, () => {
    assert.ok(roundsDone >= MIN_ROUNDS, `only ${roundsDone} rounds in ${ROUNDS_BUDGET_MS} ms`);
    for (let round = 1; round <= roundsDone; round++) assert.ok(acked.some((a) => a.round === round && a.operation === 'Encrypt'), `round ${round} acknowledged no Encrypt`);
  });

  test('no call fails under load before the kill, and the server starts again after each kill', () => {
    assert.deepEqual(problems.get('load') ?? [], [], report('load'));
    assert.deepEqual(problems.get('restart') ?? [], [], report('restart'));
  });

  test('every acknowledged key exists in its acknowledged state', () => {
    assert.deepEqual(problems.get('keys') ?? [], [], report('keys'));
  });

  test('every acknowledged alias points to its key', () => {
    assert.deepEqual(problems.get('aliases') ?? [], [], report('aliases'));
  });

  test('every acknowledged tag is there, and no other', () => {
    assert.deepEqual(problems.get('tags') ?? [], [], report('tags'));
  });

  test('every acknowledged ciphertext decrypts to its plaintext', () => {
    assert.deepEqual(problems.get('decrypt') ?? [], [], report('decrypt'));
  });

  test('the audit trail has a record of every acknowledged call', () => {
    assert.deepEqual(problems.get('audit') ?? [], [], report('audit'));
  });

  test('keywarden audit verify says the trail is intact after every kill', () => {
    assert.deepEqual(problems.get('verify') ?? [], [], report('verify'));
  });
});
