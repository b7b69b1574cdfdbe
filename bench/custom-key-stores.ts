import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import type * as Pkcs11js from 'pkcs11js';
import { connectedStore, kmsSdk, readyCluster } from '../test/support/sdk-setup.js';
import { softHsmAvailable, softHsmTokens, type SoftHsmTokens } from '../test/support/softhsm.js';
import type { InProcessOperation, InProcessResult } from './in-process.js';
import type { ScenarioResult } from './report.js';
import type { KeywardenChild } from './servers.js';

// Encrypt with a key in a custom key store, whose AES-GCM runs in the cluster's HSMs: on the
// software engine, and on the PKCS#11 engine with SoftHSM2 tokens as the HSMs, beside SoftHSM2's
// own AES-GCM called directly through pkcs11js in this process (the ceiling of that engine: what
// a token does with no HTTP, SigV4, KMS or cluster model in front of it).

export interface CustomKeyStoreSetup {
  /** Keywarden with `args` on a fresh data directory (the bench's startKeywarden). */
  start(args: string[]): Promise<KeywardenChild>;
  /** Measures Encrypt of `body` against `child`, as every scenario is measured. */
  measure(name: string, child: KeywardenChild, body: Buffer): Promise<ScenarioResult>;
  /** Measures an in-process loop for as long as a scenario. */
  inProcess(op: InProcessOperation): InProcessResult;
  progress(line: string): void;
}

export interface CustomKeyStoreReport {
  software: ScenarioResult;
  softhsm?: ScenarioResult;
  ceiling?: InProcessResult;
  /** Why the SoftHSM2 figures are missing, if they are. */
  skipped?: string;
}

const FAST = ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'];

export async function benchCustomKeyStores(setup: CustomKeyStoreSetup, plaintextBytes: number): Promise<CustomKeyStoreReport> {
  const kib = `${plaintextBytes / 1024} KiB`;
  const plaintext = randomBytes(plaintextBytes).toString('base64');
  const software = await measured(setup, `Encrypt ${kib}, custom key store (software engine)`, [], plaintext);
  if (!softHsmAvailable()) return { software, skipped: 'SoftHSM2 is not installed (scripts/ensure-test-tools.sh installs it)' };
  // Tokens of the bench's own, seen by this process (the ceiling) and by the server it starts.
  const tokens = softHsmTokens(2, 'bench-hsm');
  process.env.SOFTHSM2_CONF = tokens.conf;
  try {
    const engine = ['--hsm-engine', 'pkcs11', '--pkcs11-module', tokens.module, '--pkcs11-config', tokens.configFile()];
    const softhsm = await measured(setup, `Encrypt ${kib}, custom key store (PKCS#11, SoftHSM2)`, engine, plaintext);
    setup.progress(`SoftHSM2 AES-256-GCM ${kib} through pkcs11js, in-process ...`);
    const direct = softHsmGcm(tokens, softhsm.name, plaintextBytes);
    try {
      return { software, softhsm, ceiling: setup.inProcess(direct.op) };
    } finally {
      direct.close();
    }
  } finally {
    tokens.dispose();
  }
}

/** Encrypt measured on a server of its own, stopped once measured so that it takes no CPU from what follows. */
async function measured(setup: CustomKeyStoreSetup, name: string, args: string[], plaintext: string): Promise<ScenarioResult> {
  const [child, body] = await keyInStore(setup, args, plaintext);
  try {
    return await setup.measure(name, child, body);
  } finally {
    await child.stop();
  }
}

/** A server with a cluster, a connected key store and a key in it; the Encrypt body for that key. */
async function keyInStore(setup: CustomKeyStoreSetup, args: string[], plaintext: string): Promise<[KeywardenChild, Buffer]> {
  const child = await setup.start([...FAST, ...args]);
  setup.progress(`a cluster of two HSMs, a custom key store and a key in it on ${args.includes('pkcs11') ? 'SoftHSM2' : 'the software engine'} ...`);
  const cluster = await readyCluster(child.url);
  const kms = kmsSdk(child.url);
  try {
    const storeId = await connectedStore(kms, 'BenchStore', cluster);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }));
    return [child, Buffer.from(JSON.stringify({ KeyId: KeyMetadata!.KeyId, Plaintext: plaintext }))];
  } finally {
    kms.destroy();
  }
}

/** AES-256-GCM of `bytes` under a non-extractable key in a SoftHSM2 token, one C_EncryptInit and C_Encrypt per call. */
function softHsmGcm(tokens: SoftHsmTokens, scenario: string, bytes: number): { op: InProcessOperation; close(): void } {
  const lib = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11js;
  const api = new lib.PKCS11();
  api.load(tokens.module);
  api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trim() === tokens.labels[0]);
  if (!slot) throw new Error(`SoftHSM2 token ${tokens.labels[0]} is not there`);
  const session = api.C_OpenSession(slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
  api.C_Login(session, lib.CKU_USER, tokens.pin);
  const key = api.C_GenerateKey(session, { mechanism: lib.CKM_AES_KEY_GEN }, [
    { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
    { type: lib.CKA_TOKEN, value: false },
    { type: lib.CKA_VALUE_LEN, value: 32 },
    { type: lib.CKA_ENCRYPT, value: true },
    { type: lib.CKA_SENSITIVE, value: true },
    { type: lib.CKA_EXTRACTABLE, value: false },
  ]);
  const message = randomBytes(bytes);
  const aad = randomBytes(64);
  const out = Buffer.alloc(bytes + 16);
  let calls = 0;
  return {
    op: {
      scenario,
      primitive: 'SoftHSM2 AES-256-GCM through pkcs11js',
      run: () => {
        const iv = Buffer.alloc(12);
        iv.writeUInt32BE(++calls, 8);
        api.C_EncryptInit(session, { mechanism: lib.CKM_AES_GCM, parameter: { type: lib.CK_PARAMS_AES_GCM_v240, iv, aad, ivBits: 96, tagBits: 128 } as Pkcs11js.AesGCM }, key);
        api.C_Encrypt(session, message, out);
      },
    },
    close: () => {
      api.C_Finalize();
      api.close();
    },
  };
}

/** The engines side by side (each beside its ceiling is printed with the other in-process comparisons). */
export function formatCustomKeyStores(r: CustomKeyStoreReport): string {
  if (!r.softhsm) return `Custom key store Encrypt on the PKCS#11 engine: not measured, ${r.skipped}\n`;
  const ratio = r.softhsm.opsPerSecond / r.software.opsPerSecond;
  return (
    `Custom key store Encrypt: ${r.softhsm.opsPerSecond.toFixed(0)} ops/s on SoftHSM2 (PKCS#11 engine) = ${(ratio * 100).toFixed(0)}% of ` +
    `${r.software.opsPerSecond.toFixed(0)} ops/s on the software engine (p99 ${r.softhsm.p99Ms.toFixed(2)} ms vs ${r.software.p99Ms.toFixed(2)} ms)\n`
  );
}
