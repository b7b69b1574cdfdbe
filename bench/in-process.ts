import { createCipheriv, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

// The ceiling of a cryptographic operation: the same primitive, on the same input size, called in
// a tight loop on one thread of the load generator while nothing else runs. Keywarden answers on
// one thread too, so "Keywarden ops/s / in-process ops/s" is the share of the primitive's speed
// that survives HTTP, SigV4, validation, key lookup and the audit trail.

export interface InProcessOperation {
  /** The Keywarden scenario this ceiling belongs to. */
  scenario: string;
  /** What the loop calls, for the report. */
  primitive: string;
  run: () => void;
}

export interface InProcessResult {
  scenario: string;
  primitive: string;
  ops: number;
  elapsedSeconds: number;
  opsPerSecond: number;
}

/** Builds the loops for Encrypt, Sign (ECC_NIST_P256, RSA_2048) and GenerateMac on `messageBytes` of input. */
export function inProcessOperations(names: { encrypt: string; signEcc: string; signRsa: string; mac: string }, messageBytes: number): InProcessOperation[] {
  const message = randomBytes(messageBytes);
  const aesKey = randomBytes(32);
  const aad = randomBytes(64);
  const ecc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const hmacKey = randomBytes(32);
  return [
    { scenario: names.encrypt, primitive: 'AES-256-GCM seal (node:crypto)', run: () => seal(aesKey, aad, message) },
    { scenario: names.signEcc, primitive: 'ECDSA P-256 SHA-256 (node:crypto)', run: () => signWith('sha256', ecc, message) },
    { scenario: names.signRsa, primitive: 'RSA-2048 PKCS#1 v1.5 SHA-256 (node:crypto)', run: () => signWith('sha256', rsa, message) },
    { scenario: names.mac, primitive: 'HMAC-SHA-256 (node:crypto)', run: () => createHmac('sha256', hmacKey).update(message).digest() },
  ];
}

/** Calls `op.run` until `seconds` pass or `maxOps` calls are made, whichever comes first. */
export function measureInProcess(op: InProcessOperation, seconds: number, maxOps: number): InProcessResult {
  // Warm the JIT and the key's internal state first, outside the measurement.
  for (let i = 0; i < 50; i++) op.run();
  const limitNs = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  // The clock is read every 16 calls: often enough for a 1 s bound, rare enough not to be measured.
  while (ops < maxOps && elapsed < limitNs) {
    op.run();
    ops++;
    if ((ops & 15) === 0) elapsed = process.hrtime.bigint() - start;
  }
  elapsed = process.hrtime.bigint() - start;
  const elapsedSeconds = Number(elapsed) / 1e9;
  return { scenario: op.scenario, primitive: op.primitive, ops, elapsedSeconds, opsPerSecond: ops / elapsedSeconds };
}

function seal(key: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12)).setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

const signWith = (hash: string, key: KeyObject, message: Buffer): Buffer => sign(hash, message, key);
