import type { Caller, KmsDeps } from './context.js';
import type { CryptoService, EncryptionContext } from './crypto.js';
import { generateKeyPair, type KeyPairRecipe } from './asymmetric-material.js';
import { dryRunSucceeded, UnsupportedOperationException } from './errors.js';
import { KEY_SPECS, type KeySpec } from './key-specs.js';
import type { KeyView } from './keys.js';

// GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh key pair for use outside
// KMS, its private key sealed under a symmetric encryption key exactly as GenerateDataKey seals a
// data key, so Decrypt of the sealed copy (with the same encryption context) gives the PKCS #8.

/** The model's DataKeyPairSpec: the key specs of key pairs, less ML-DSA. */
export type DataKeyPairSpec = Extract<
  KeySpec,
  'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1' | 'SM2' | 'ECC_NIST_EDWARDS25519'
>;

export type DataKeyPairOperation = 'GenerateDataKeyPair' | 'GenerateDataKeyPairWithoutPlaintext';

export interface DataKeyPair {
  /** The symmetric key that sealed the private key. */
  view: KeyView;
  spec: DataKeyPairSpec;
  /** SubjectPublicKeyInfo, DER. */
  publicKey: Buffer;
  /** PKCS #8 PrivateKeyInfo, DER: the caller zeroes it once answered. */
  privateKey: Buffer;
  /** The private key in Keywarden's ciphertext format, under `view`'s key. */
  sealedPrivateKey: Buffer;
  materialId?: string;
}

export class DataKeyPairService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly crypto: CryptoService,
  ) {}

  /**
   * A new pair sealed under a symmetric encryption key. Key pairs and HMAC keys are refused as
   * the data key operations refuse them (InvalidKeyUsageException); keys in a custom key store too,
   * which AWS documents for these two operations alone.
   */
  async generate(
    caller: Caller,
    keyId: string,
    spec: DataKeyPairSpec,
    context: EncryptionContext | undefined,
    operation: DataKeyPairOperation,
    dryRun?: boolean,
  ): Promise<DataKeyPair> {
    const view = await this.crypto.usableForEncryption(caller, keyId, operation, {});
    if (!this.deps.backends.of(view.key).capabilities.dataKeyPairs) {
      throw new UnsupportedOperationException(`${view.arn} origin is ${view.key.origin} which is not valid for this operation.`);
    }
    const entry = KEY_SPECS[spec];
    if (entry.regions && !entry.regions.includes(caller.region)) {
      throw new UnsupportedOperationException(`KeyPairSpec ${spec} is not supported in this Region`);
    }
    if (dryRun) throw dryRunSucceeded();
    const pair = await generateKeyPair(entry.material as KeyPairRecipe, this.deps.random);
    try {
      const sealed = await this.crypto.seal(view, pair.privateKey, context);
      return { view, spec, publicKey: pair.publicKey, privateKey: pair.privateKey, sealedPrivateKey: sealed.ciphertext, materialId: sealed.materialId };
    } catch (err) {
      pair.privateKey.fill(0);
      throw err;
    }
  }
}
