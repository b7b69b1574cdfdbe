import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from './config.js';
import { customKeyStoreKey } from './key-store.js';
import { LoadClient, runLoad } from './load.js';
import { RESULTS_DIR } from './paths.js';
import { formatProfile, profilesByThread, summarizeProfile, type CpuProfile } from './profile-summary.js';
import { startKeywarden } from './servers.js';
import { Signer } from './sigv4.js';

// `node dist/bench/profile.js [Encrypt|Decrypt|GenerateDataKey|DescribeKey|ListKeys|Sign|GenerateMac] [service|store]`: one Keywarden
// under the bench's load of one operation, profiled with node --cpu-prof, and the profile's
// summary (bench/results/profile-<operation>-<key>.txt, beside the .cpuprofile for a flame graph
// viewer). BENCH_PROFILE_SECONDS sets how long the load runs (default 10).

const OPERATIONS = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey', 'ListKeys', 'Sign', 'GenerateMac'] as const;
type Operation = (typeof OPERATIONS)[number];

async function main(): Promise<void> {
  const op = (process.argv[2] ?? 'Encrypt') as Operation;
  const keyKind = process.argv[3] ?? 'service';
  if (!OPERATIONS.includes(op) || (keyKind !== 'service' && keyKind !== 'store') || (keyKind === 'store' && (op === 'Sign' || op === 'GenerateMac'))) {
    throw new Error(`usage: profile.js [${OPERATIONS.join('|')}] [service|store] (Sign and GenerateMac: service only)`);
  }
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
  if (!(seconds > 0 && seconds <= 600)) throw new Error('BENCH_PROFILE_SECONDS must be above 0 and at most 600');
  const config = readConfig();
  const profileDir = mkdtempSync(join(tmpdir(), 'keywarden-profile-'));
  const server = await startKeywarden({ args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'], nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', '200'] });
  let window: { fromUs: number; toUs: number } | undefined;
  const client = new LoadClient(new URL(server.url), new Signer({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', service: 'kms' }), 10_000, config.concurrency);
  try {
    // The bench's keys: ECC_NIST_P256 for Sign, HMAC_256 for GenerateMac, symmetric otherwise.
    const spec = op === 'Sign' ? { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } : op === 'GenerateMac' ? { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } : {};
    const keyId =
      keyKind === 'store'
        ? await customKeyStoreKey(client, server.url)
        : (await client.call<{ KeyMetadata: { KeyId: string } }>('TrentService.CreateKey', { Description: 'keywarden profile', ...spec })).KeyMetadata.KeyId;
    const data = randomBytes(config.plaintextBytes).toString('base64');
    let body: unknown;
    switch (op) {
      case 'Encrypt':
        body = { KeyId: keyId, Plaintext: data };
        break;
      case 'Decrypt':
        body = { CiphertextBlob: (await client.call<{ CiphertextBlob: string }>('TrentService.Encrypt', { KeyId: keyId, Plaintext: data })).CiphertextBlob };
        break;
      case 'GenerateDataKey':
        body = { KeyId: keyId, KeySpec: 'AES_256' };
        break;
      case 'DescribeKey':
        body = { KeyId: keyId };
        break;
      case 'ListKeys':
        // A page of ten keys, as the bench's data scale reads.
        for (let i = 1; i < 10; i++) await client.call('TrentService.CreateKey', { Description: 'keywarden profile' });
        body = { Limit: 10 };
        break;
      case 'Sign':
        body = { KeyId: keyId, Message: data, SigningAlgorithm: 'ECDSA_SHA_256' };
        break;
      case 'GenerateMac':
        body = { KeyId: keyId, Message: data, MacAlgorithm: 'HMAC_SHA_256' };
        break;
    }
    const load = (durationMs: number) =>
      runLoad(client, `TrentService.${op}`, Buffer.from(JSON.stringify(body)), { concurrency: config.concurrency, maxRequests: config.maxRequests, durationMs });
    await load(2_000);
    process.stderr.write(`profile: ${op} with a ${keyKind} key for ${seconds} s ...\n`);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const r = await load(seconds * 1000);
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    if (r.errors > 0) throw new Error(`${r.errors} requests failed: ${JSON.stringify(r.errorKinds)}`);
    process.stderr.write(`profile: ${r.ok} requests, ${r.opsPerSecond.toFixed(0)} ops/s\n`);
  } finally {
    client.close();
    await server.stop(30_000);
  }
  // One profile per thread: the one that answers calls, then the audit indexer's and any other.
  const files = profilesByThread(readdirSync(profileDir));
  if (files.length === 0) throw new Error('the server wrote no profile');
  const profiles = files.map((f) => JSON.parse(readFileSync(join(profileDir, f.file), 'utf8')) as CpuProfile);
  const inside = window !== undefined && window.fromUs < profiles[0]!.endTime && window.toUs > profiles[0]!.startTime;
  const scope = inside ? 'the measured load only' : "the whole run: the profile's clock did not match this one";
  const text = [
    formatProfile(
      summarizeProfile(profiles[0]!, 30, window),
      `Keywarden under ${op} load with a ${keyKind} key, ${config.concurrency} concurrent, ${config.plaintextBytes}-byte plaintexts and messages (Node ${process.version}; ${scope})`,
    ),
    ...profiles.slice(1).map((p, i) => formatProfile(summarizeProfile(p, 15, window), `Thread ${files[i + 1]!.thread} of the same process (a worker thread: the audit indexer, or the audit reader), ${scope}`)),
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, `profile-${op}-${keyKind}`);
  files.forEach((f, i) => copyFileSync(join(profileDir, f.file), i === 0 ? `${base}.cpuprofile` : `${base}-thread-${f.thread}.cpuprofile`));
  writeFileSync(`${base}.txt`, text);
  rmSync(profileDir, { recursive: true, force: true });
  process.stdout.write(text);
  process.stderr.write(`profile: written to ${base}.txt and ${base}.cpuprofile\n`);
}

main().catch((err) => {
  process.stderr.write(`profile FAILED: ${(err as Error)?.stack ?? err}\n`);
  process.exitCode = 1;
});
