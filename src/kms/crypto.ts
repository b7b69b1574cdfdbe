import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { type CustomKeyStorePort, noCustomKeyStores } from './custom-key-store-port.js';
import { dryRunSucceeded, IncorrectKeyException, InvalidKeyUsageException } from './errors.js';
import { privateKeyFromPkcs8, type KeyPairRecipe } from './asymmetric-material.js';
import {
  checkNoEncryptionContext,
  checkPlaintextLength,
  decryptWithPrivateKey,
  encryptWithPublicKey,
  type AsymmetricEncryptionAlgorithm,
} from './asymmetric-encryption.js';
import { keySpecEntry, type EncryptionAlgorithm } from './key-specs.js';
import { canonicalContext, encodeHeader, invalidCiphertext, IV_LENGTH, parseCiphertext } from './ciphertext.js';
import type { KeyBackend } from './key-backend.js';
import { currentMaterial, type KeyRecord } from './key.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { authorizeKey } from './key-resolver.js';
import type { KeyService, KeyView } from './keys.js';

export type EncryptionContext = Record<string, string>;

interface CryptoOptions {
  algorithm?: string;
  dryRun?: boolean;
}

export interface Sealed {
  view: KeyView;
  ciphertext: Buffer;
  algorithm: EncryptionAlgorithm;
  /** Only symmetric keys whose material KMS holds have a KeyMaterialId. */
  materialId?: string;
}

export interface Opened {
  view: KeyView;
  plaintext: Buffer;
  algorithm: EncryptionAlgorithm;
  materialId?: string;
}

export interface DataKeyRequest extends CryptoOptions {
  keySpec?: 'AES_128' | 'AES_256';
  numberOfBytes?: number;
  context?: EncryptionContext;
}

/**
 * Encryption with KMS keys: the hot path of the service. Symmetric keys encrypt in Keywarden's
 * ciphertext format (docs/ciphertext.md), made here, with AES-GCM run by the key's backend
 * (key-backend.ts): in-process for the service's keys, in the store's cluster with the backing key
 * for keys in a custom key store. RSA and SM2 keys of usage ENCRYPT_DECRYPT encrypt with their
 * public key, in their scheme's own format (asymmetric-encryption.ts).
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
    const view = await this.keys.usable(caller, keyId, 'Encrypt');
    return this.encryptWith(view, 'Encrypt', plaintext, context, opts, 'EncryptionContext');
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
    const opened = await this.open(caller, 'ReEncrypt', blob, source.context, source.keyId, { algorithm: source.algorithm }, 'SourceEncryptionContext');
    try {
      const target = await this.keys.usable(caller, destination.keyId, 'ReEncrypt', 'keyOrAlias', 'ReEncryptTo');
      const opts = { algorithm: destination.algorithm, dryRun };
      const sealed = await this.encryptWith(target, 'ReEncrypt', opened.plaintext, destination.context, opts, 'DestinationEncryptionContext');
      return { opened, sealed };
    } finally {
      opened.plaintext.fill(0);
    }
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
    // The model leaves NumberOfBytes optional, so this is KMS's own check and its own wording.
    if (numberOfBytes === undefined) throw new ValidationException('NumberOfBytes is required.');
    if (customKeyStoreId !== undefined) return this.stores.random(caller, customKeyStoreId, numberOfBytes);
    return this.deps.random.bytes(numberOfBytes);
  }

  /**
   * A key that seals data keys for `operation`: a symmetric encryption key in a state that allows
   * it (no algorithm is named, and only SYMMETRIC_DEFAULT keys offer the default one).
   */
  async usableForEncryption(caller: Caller, keyId: string, operation: KeyStateOperation, opts: CryptoOptions): Promise<KeyView> {
    const view = await this.keys.usable(caller, keyId, operation);
    checkUsage(view, this.backendOf(view.key), operation, opts.algorithm);
    if (opts.dryRun) throw dryRunSucceeded();
    return view;
  }

  /** Encrypts under a usable key: symmetric keys in Keywarden's format, key pairs with their public key. */
  private async encryptWith(
    view: KeyView,
    operation: KeyStateOperation,
    plaintext: Buffer,
    context: EncryptionContext | undefined,
    opts: CryptoOptions,
    contextMember: string,
  ): Promise<Sealed> {
    const algorithm = checkUsage(view, this.backendOf(view.key), operation, opts.algorithm);
    if (algorithm === 'SYMMETRIC_DEFAULT') {
      if (opts.dryRun) throw dryRunSucceeded();
      return this.seal(view, plaintext, context);
    }
    checkNoEncryptionContext(contextMember, context);
    checkPlaintextLength(view.key.keySpec, algorithm, plaintext);
    if (opts.dryRun) throw dryRunSucceeded();
    const material = currentMaterial(view.key);
    const publicKey = Buffer.from(material.publicKey!, 'base64');
    const ciphertext = encryptWithPublicKey(pairRecipe(view), publicKey, algorithm, plaintext, this.deps.random);
    return { view, ciphertext, algorithm };
  }

  /**
   * Seals bytes under a symmetric encryption key, in Keywarden's ciphertext format: the header
   * names the key and the version of its material, and is authenticated with the context.
   */
  async seal(view: KeyView, plaintext: Buffer, context?: EncryptionContext): Promise<Sealed> {
    const { key } = view;
    const backend = this.backendOf(key);
    const material = backend.current(key);
    const iv = this.deps.random.nonce(IV_LENGTH);
    const header = encodeHeader({ keyId: key.keyId, materialVersion: material.version, iv });
    const out = await backend.encrypt(key, material.version, plaintext, iv, associatedData(header, context));
    const sealed: Sealed = { view, ciphertext: Buffer.concat([header, out.ciphertext, out.tag]), algorithm: 'SYMMETRIC_DEFAULT' };
    if (material.materialId !== undefined) sealed.materialId = material.materialId;
    return sealed;
  }

  private backendOf(key: KeyRecord): KeyBackend {
    return this.deps.backends.of(key);
  }

  private async open(
    caller: Caller,
    operation: 'Decrypt' | 'ReEncrypt',
    blob: Buffer,
    context: EncryptionContext | undefined,
    keyId: string | undefined,
    opts: CryptoOptions,
    contextMember = 'EncryptionContext',
  ): Promise<Opened> {
    // An asymmetric ciphertext names no key: with an asymmetric algorithm the caller's KeyId is
    // the key. Without one, the blob must be Keywarden's, as for AWS (which answers
    // InvalidCiphertextException for a raw RSA ciphertext sent with only its KeyId).
    if (keyId !== undefined && opts.algorithm !== undefined && opts.algorithm !== 'SYMMETRIC_DEFAULT') {
      return this.openWithKeyPair(caller, operation, blob, context, keyId, opts, contextMember);
    }
    const parsed = parseCiphertext(blob);
    const key = await this.ownerKey(caller, parsed.keyId, operation);
    if (keyId !== undefined) {
      const named = await this.keys.usable(caller, keyId, operation, 'keyOrAlias', actionOf(operation));
      if (named.key.keyId !== key.keyId) throw incorrectKey();
    }
    const view = await this.keys.view(key);
    checkKeyState(operation, view.state, view.arn);
    const backend = this.backendOf(key);
    // A Keywarden blob is only ever a symmetric key's, whatever key id its header was given.
    if (checkUsage(view, backend, operation, opts.algorithm) !== 'SYMMETRIC_DEFAULT') throw invalidCiphertext();
    const material = backend.find(key, parsed.materialVersion);
    if (!material) throw invalidCiphertext();
    if (opts.dryRun) throw dryRunSucceeded();
    const sealed = { ciphertext: parsed.body, tag: parsed.tag, iv: parsed.iv };
    const plaintext = await backend.decrypt(key, material.version, sealed, associatedData(parsed.header, context));
    const opened: Opened = { view, plaintext, algorithm: 'SYMMETRIC_DEFAULT' };
    if (material.materialId !== undefined) opened.materialId = material.materialId;
    return opened;
  }

  /**
   * Decrypts a raw RSAES-OAEP or SM2PKE ciphertext with the private key of the named key. A
   * ciphertext that fails the scheme's checks (another key, another algorithm, altered bytes: the
   * scheme cannot tell which) is IncorrectKeyException, as AWS answers a wrong algorithm.
   */
  private async openWithKeyPair(
    caller: Caller,
    operation: 'Decrypt' | 'ReEncrypt',
    blob: Buffer,
    context: EncryptionContext | undefined,
    keyId: string,
    opts: CryptoOptions,
    contextMember: string,
  ): Promise<Opened> {
    const view = await this.keys.usable(caller, keyId, operation, 'keyOrAlias', actionOf(operation));
    const algorithm = checkUsage(view, this.backendOf(view.key), operation, opts.algorithm) as AsymmetricEncryptionAlgorithm;
    checkNoEncryptionContext(contextMember, context);
    if (opts.dryRun) throw dryRunSucceeded();
    const recipe = pairRecipe(view);
    const privateKey = this.deps.backends.secret(view.key, currentMaterial(view.key), (raw) => privateKeyFromPkcs8(recipe, raw));
    const plaintext = decryptWithPrivateKey(privateKey, algorithm, blob);
    if (!plaintext) throw incorrectKey();
    return { view, plaintext, algorithm };
  }

  /** The key a ciphertext names, if the caller may use it. */
  private async ownerKey(caller: Caller, keyId: string, operation: string): Promise<KeyRecord> {
    // Related multi-Region keys share their id: the blob opens with the key of the caller's Region.
    const key = await this.deps.store.keys.findById(keyId, caller.region);
    if (!key) throw invalidCiphertext();
    await authorizeKey(this.deps, caller, actionOf(operation), key);
    return key;
  }
}

/** The IAM action of reading a ciphertext: ReEncrypt's source side is kms:ReEncryptFrom. */
const actionOf = (operation: string) => (operation === 'ReEncrypt' ? 'ReEncryptFrom' : operation);

function dataKeyLength(req: DataKeyRequest): number {
  if ((req.keySpec === undefined) === (req.numberOfBytes === undefined)) {
    throw new ValidationException('Please specify either number of bytes or key spec.');
  }
  if (req.numberOfBytes !== undefined) return req.numberOfBytes;
  return req.keySpec === 'AES_128' ? 16 : 32;
}

/**
 * The key must be for encryption, and its backend must offer the algorithm for its key spec
 * (SYMMETRIC_DEFAULT when none is named, which is also what the data key operations use, so they
 * refuse key pairs this way). Returns the algorithm.
 */
function checkUsage({ key, arn }: KeyView, backend: KeyBackend, operation: KeyStateOperation, algorithm: string | undefined): EncryptionAlgorithm {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT') {
    throw new InvalidKeyUsageException(`${arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
  const named = (algorithm ?? 'SYMMETRIC_DEFAULT') as EncryptionAlgorithm;
  if (!backend.capabilities.keySpecs[key.keySpec]?.ENCRYPT_DECRYPT?.encryption?.includes(named)) {
    throw new InvalidKeyUsageException(`Algorithm ${named} is incompatible with key spec ${key.keySpec}.`);
  }
  return named;
}

/** The key pair recipe of an RSA or SM2 encryption key (checkUsage has let only those through). */
function pairRecipe({ key }: KeyView): KeyPairRecipe {
  const recipe = keySpecEntry(key.keySpec).material;
  if (recipe.kind === 'aes' || recipe.kind === 'hmac') throw new Error(`${key.keySpec} has no key pair`);
  return recipe;
}

const incorrectKey = () => new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');

/** The GCM associated data: the blob's header, then the canonical encryption context. */
const associatedData = (header: Buffer, context: EncryptionContext | undefined): Buffer => {
  const aad = canonicalContext(context);
  return aad.length ? Buffer.concat([header, aad]) : header;
};

