import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { BackingKeyNotFound, type CustomKeyStorePort, noCustomKeyStores } from './custom-key-store-port.js';
import {
  dryRunSucceeded,
  IncorrectKeyException,
  InvalidKeyUsageException,
  KMSInvalidStateException,
  UnsupportedOperationException,
} from './errors.js';
import { isSymmetricEncryption, usageAlgorithms, type EncryptionAlgorithm } from './key-specs.js';
import { canonicalContext, CLUSTER_MATERIAL_VERSION, encodeHeader, IV_LENGTH, parseCiphertext, type ParsedCiphertext } from './ciphertext.js';
import { currentMaterial, keyArn, type KeyRecord } from './key.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { denied } from './key-resolver.js';
import type { KeyService, KeyView } from './keys.js';
import { invalidCiphertext } from './key-vault.js';

export type EncryptionContext = Record<string, string>;

interface CryptoOptions {
  algorithm?: string;
  dryRun?: boolean;
}

export interface Sealed {
  view: KeyView;
  ciphertext: Buffer;
  /** Absent for keys in a custom key store, which have no KeyMaterialId. */
  materialId?: string;
}

export interface Opened {
  view: KeyView;
  plaintext: Buffer;
  materialId?: string;
}

export interface DataKeyRequest extends CryptoOptions {
  keySpec?: 'AES_128' | 'AES_256';
  numberOfBytes?: number;
  context?: EncryptionContext;
}

/**
 * Symmetric cryptography with KMS keys: the hot path of the service. Keys whose material KMS
 * holds encrypt here; keys in a custom key store encrypt in their store's cluster with the
 * backing key, in the same ciphertext format (docs/ciphertext.md).
 */
export class CryptoService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  private get stores(): CustomKeyStorePort {
    return this.deps.customKeyStores ?? noCustomKeyStores;
  }

  async encrypt(caller: Caller, keyId: string, plaintext: Buffer, context?: EncryptionContext, opts: CryptoOptions = {}): Promise<Sealed> {
    const view = await this.usableForEncryption(caller, keyId, 'Encrypt', opts);
    return this.seal(view, plaintext, context);
  }

  async decrypt(caller: Caller, blob: Buffer, context?: EncryptionContext, keyId?: string, opts: CryptoOptions = {}): Promise<Opened> {
    return this.open(caller, 'Decrypt', blob, context, keyId, opts);
  }

  async reEncrypt(
    caller: Caller,
    blob: Buffer,
    source: { context?: EncryptionContext; keyId?: string; algorithm?: string },
    destination: { keyId: string; context?: EncryptionContext; algorithm?: string },
    dryRun?: boolean,
  ): Promise<{ opened: Opened; sealed: Sealed }> {
    const opened = await this.open(caller, 'ReEncrypt', blob, source.context, source.keyId, { algorithm: source.algorithm });
    const target = await this.usableForEncryption(caller, destination.keyId, 'ReEncrypt', { algorithm: destination.algorithm, dryRun });
    const sealed = await this.seal(target, opened.plaintext, destination.context);
    opened.plaintext.fill(0);
    return { opened, sealed };
  }

  async generateDataKey(caller: Caller, keyId: string, req: DataKeyRequest, operation: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext') {
    const length = dataKeyLength(req);
    const view = await this.usableForEncryption(caller, keyId, operation, req);
    const plaintext = this.deps.random.bytes(length);
    try {
      return { ...(await this.seal(view, plaintext, req.context)), plaintext };
    } catch (err) {
      plaintext.fill(0);
      throw err;
    }
  }

  /** Random bytes from the service, or with `customKeyStoreId` from that store's cluster. */
  async generateRandom(caller: Caller, numberOfBytes: number | undefined, customKeyStoreId?: string): Promise<Buffer> {
    if (numberOfBytes === undefined) {
      throw new ValidationException('1 validation error detected: Value null at \'numberOfBytes\' failed to satisfy constraint: Member must not be null');
    }
    if (customKeyStoreId !== undefined) return this.stores.random(caller, customKeyStoreId, numberOfBytes);
    return this.deps.random.bytes(numberOfBytes);
  }

  private async usableForEncryption(caller: Caller, keyId: string, operation: KeyStateOperation, opts: CryptoOptions): Promise<KeyView> {
    const view = await this.keys.usable(caller, keyId, operation);
    checkUsage(view, operation, opts.algorithm);
    if (opts.dryRun) throw dryRunSucceeded();
    return view;
  }

  private async seal(view: KeyView, plaintext: Buffer, context?: EncryptionContext): Promise<Sealed> {
    if (view.key.customKeyStoreId !== undefined) return { view, ciphertext: await this.sealInCluster(view, plaintext, context) };
    const material = currentMaterial(view.key);
    const ciphertext = this.deps.vault.encrypt(view.key.keyId, material, plaintext, context);
    return { view, ciphertext, materialId: material.materialId };
  }

  /** The same blob layout, material version 0: the backing key computes the GCM body and tag. */
  private async sealInCluster(view: KeyView, plaintext: Buffer, context: EncryptionContext | undefined): Promise<Buffer> {
    const iv = this.deps.random.bytes(IV_LENGTH);
    const header = encodeHeader({ keyId: view.key.keyId, materialVersion: CLUSTER_MATERIAL_VERSION, iv });
    const out = await this.inCluster(view, (storeId, backingKeyId) =>
      this.stores.encrypt(view.key, storeId, backingKeyId, plaintext, iv, associatedData(header, context)),
    );
    return Buffer.concat([header, out.ciphertext, out.tag]);
  }

  private openInCluster(view: KeyView, parsed: ParsedCiphertext, context: EncryptionContext | undefined): Promise<Buffer> {
    const sealed = { ciphertext: parsed.body, tag: parsed.tag, iv: parsed.iv };
    return this.inCluster(view, (storeId, backingKeyId) =>
      this.stores.decrypt(view.key, storeId, backingKeyId, sealed, associatedData(parsed.header, context)),
    );
  }

  /**
   * Runs a call against the key's backing key. When the cluster no longer holds it, the key is
   * marked at once (it shows Unavailable until the store's health check finds the material again)
   * rather than waiting for the next health check.
   */
  private async inCluster<T>(view: KeyView, work: (storeId: string, backingKeyId: string) => Promise<T>): Promise<T> {
    const { key } = view;
    try {
      return await work(key.customKeyStoreId!, key.backingKey!.backingKeyId);
    } catch (err) {
      if (!(err instanceof BackingKeyNotFound)) throw err;
      await this.deps.store.keys.update(key, key.keyId, (k) =>
        k.backingKey && !k.backingKey.missing ? { ...k, backingKey: { ...k.backingKey, missing: true } } : k,
      );
      throw new KMSInvalidStateException(
        `${view.arn} is unavailable: its key material (backing key ${key.backingKey!.backingKeyId}) is not in AWS CloudHSM cluster ${view.customKeyStore?.clusterId ?? 'of its custom key store'}.`,
      );
    }
  }

  private async open(
    caller: Caller,
    operation: 'Decrypt' | 'ReEncrypt',
    blob: Buffer,
    context: EncryptionContext | undefined,
    keyId: string | undefined,
    opts: CryptoOptions,
  ): Promise<Opened> {
    const parsed = parseCiphertext(blob);
    const key = await this.ownerKey(caller, parsed.keyId, operation);
    if (keyId !== undefined) {
      const named = await this.keys.usable(caller, keyId, operation);
      if (named.key.keyId !== key.keyId) {
        throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
      }
    }
    const view = await this.keys.view(key);
    checkKeyState(operation, view.state, view.arn);
    checkUsage(view, operation, opts.algorithm);
    if (key.customKeyStoreId !== undefined) {
      if (parsed.materialVersion !== CLUSTER_MATERIAL_VERSION) throw invalidCiphertext();
      if (opts.dryRun) throw dryRunSucceeded();
      return { view, plaintext: await this.openInCluster(view, parsed, context) };
    }
    const material = key.materials.find((m) => m.version === parsed.materialVersion);
    if (!material) throw invalidCiphertext();
    if (opts.dryRun) throw dryRunSucceeded();
    const plaintext = this.deps.vault.decrypt(key.keyId, material, blob, context);
    return { view, plaintext, materialId: material.materialId };
  }

  /** The key a ciphertext names, if the caller may use it. */
  private async ownerKey(caller: Caller, keyId: string, operation: string): Promise<KeyRecord> {
    const key = await this.deps.store.keys.findById(keyId);
    if (!key || key.region !== caller.region) throw invalidCiphertext();
    if (key.accountId !== caller.accountId) throw denied(caller.principalArn, operation, keyArn(key, key.keyId));
    return key;
  }
}

function dataKeyLength(req: DataKeyRequest): number {
  if ((req.keySpec === undefined) === (req.numberOfBytes === undefined)) {
    throw new ValidationException('Please specify either number of bytes or key spec.');
  }
  if (req.numberOfBytes !== undefined) return req.numberOfBytes;
  return req.keySpec === 'AES_128' ? 16 : 32;
}

/**
 * The key must be for encryption, and offer the algorithm (SYMMETRIC_DEFAULT when none is
 * named, which is also what the data key operations use, so they refuse key pairs this way).
 */
function checkUsage({ key, arn }: KeyView, operation: KeyStateOperation, algorithm: string | undefined): void {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') {
    throw new InvalidKeyUsageException(`${arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
  const named = algorithm ?? 'SYMMETRIC_DEFAULT';
  if (!usageAlgorithms(key.keySpec, 'ENCRYPT_DECRYPT').encryption?.includes(named as EncryptionAlgorithm)) {
    throw new InvalidKeyUsageException(`Algorithm ${named} is incompatible with key spec ${key.keySpec}.`);
  }
  if (!isSymmetricEncryption(key.keySpec)) {
    throw new UnsupportedOperationException(`Keywarden does not encrypt with ${key.keySpec} keys yet.`);
  }
}

/** The GCM associated data: the blob's header, then the canonical encryption context. */
const associatedData = (header: Buffer, context: EncryptionContext | undefined): Buffer => {
  const aad = canonicalContext(context);
  return aad.length ? Buffer.concat([header, aad]) : header;
};

