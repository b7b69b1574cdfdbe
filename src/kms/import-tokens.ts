import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { derivedKey } from '../core/derived-key.js';
import type { Random } from '../core/random.js';
import type { WrappingAlgorithm } from './import-wrapping.js';

// Import tokens: what GetParametersForImport returns beside the public wrapping key. A token
// carries the wrapping private key, sealed (AES-256-GCM) under a secret derived from the root
// key, with the key's ARN as associated data: the service keeps no state per call, a token
// cannot be read or altered by its holder, and a token made for one key does not open for another.

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHMS: readonly WrappingAlgorithm[] = ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'SM2PKE'];

/** The secret for import tokens and material fingerprints, derived so that both survive restarts. */
export function importSecret(rootKey: Buffer): Buffer {
  return derivedKey(rootKey, 'keywarden import tokens v1');
}

/** What an import token holds. */
export interface ImportParameters {
  algorithm: WrappingAlgorithm;
  /** The wrapping private key, DER PKCS #8. */
  privateKey: Buffer;
  /** Epoch milliseconds: ParametersValidTo. */
  validTo: number;
}

export class ImportTokens {
  private readonly sealKey: Buffer;
  private readonly fingerprintKey: Buffer;

  constructor(
    secret: Buffer,
    private readonly random: Random,
  ) {
    if (secret.length < 32) throw new Error('the import token secret must be at least 32 bytes');
    this.sealKey = derivedKey(secret, 'seal');
    this.fingerprintKey = derivedKey(secret, 'fingerprint');
  }

  issue(keyArn: string, params: ImportParameters): Buffer {
    const body = Buffer.alloc(9);
    body.writeUInt8(ALGORITHMS.indexOf(params.algorithm), 0);
    body.writeBigUInt64BE(BigInt(params.validTo), 1);
    const iv = this.random.nonce(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(keyArn));
    const sealed = Buffer.concat([cipher.update(body), cipher.update(params.privateKey), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()]);
  }

  /** The parameters a token carries, or undefined for a token not issued by this service for this key. */
  open(keyArn: string, token: Buffer): ImportParameters | undefined {
    if (token.length < 1 + IV_BYTES + 9 + TAG_BYTES || token[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, token.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(keyArn));
      decipher.setAuthTag(token.subarray(token.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(token.subarray(1 + IV_BYTES, token.length - TAG_BYTES)), decipher.final()]);
      const algorithm = ALGORITHMS[plain.readUInt8(0)];
      if (!algorithm) return undefined;
      return { algorithm, validTo: Number(plain.readBigUInt64BE(1)), privateKey: plain.subarray(9) };
    } catch {
      return undefined;
    }
  }

  /**
   * A keyed digest of a key's imported material: its KeyMaterialId, and how a later import is
   * known to bring the same material once the material itself is gone. Keyed, so that the id
   * says nothing about the material to anyone without the root key.
   */
  fingerprint(keyId: string, material: Buffer): string {
    return createHmac('sha256', this.fingerprintKey).update(keyId).update('\0').update(material).digest('hex');
  }
}
