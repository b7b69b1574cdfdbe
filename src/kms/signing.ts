import { ValidationException } from '../core/common-errors.js';
import { privateKeyFromPkcs8, publicKeyFromSpki, type KeyPairRecipe } from './asymmetric-material.js';
import type { Caller, KmsDeps } from './context.js';
import { dryRunSucceeded, InvalidKeyUsageException, KMSInvalidSignatureException, UnsupportedOperationException } from './errors.js';
import { currentMaterial } from './key.js';
import { isAsymmetric, keySpecEntry, SIGNING_ALGORITHMS, usageAlgorithms, type MessageType, type SigningAlgorithm } from './key-specs.js';
import type { KeyService, KeyView } from './keys.js';
import { checkSignature, createSignature } from './signatures.js';

export interface SignRequest {
  keyId: string;
  message: Buffer;
  /** RAW when absent. */
  messageType?: MessageType;
  algorithm: SigningAlgorithm;
  dryRun?: boolean;
}

export interface VerifyRequest extends SignRequest {
  signature: Buffer;
}

export interface PublicKeyView {
  view: KeyView;
  /** DER SubjectPublicKeyInfo. */
  publicKey: Buffer;
}

/**
 * Signing with asymmetric keys, and their public keys: the checks AWS makes before it signs or
 * verifies (key usage, the key's algorithms, the message type and its length), in AWS's terms.
 */
export class SigningService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  async publicKey(caller: Caller, keyId: string): Promise<PublicKeyView> {
    const view = await this.keys.usable(caller, keyId, 'GetPublicKey');
    const { key, arn } = view;
    if (!isAsymmetric(key.keySpec)) {
      throw new UnsupportedOperationException(`${arn} key spec is ${key.keySpec} which is not valid for GetPublicKey.`);
    }
    return { view, publicKey: Buffer.from(currentMaterial(key).publicKey!, 'base64') };
  }

  async sign(caller: Caller, req: SignRequest): Promise<{ view: KeyView; signature: Buffer }> {
    const { view, type } = await this.prepare(caller, req, 'Sign');
    const { key } = view;
    const recipe = keySpecEntry(key.keySpec).material as KeyPairRecipe;
    const privateKey = this.deps.backends.secret(key, currentMaterial(key), (der) => privateKeyFromPkcs8(recipe, der));
    return { view, signature: createSignature(req.algorithm, privateKey, req.message, type, this.deps.random) };
  }

  /** Returns when the signature is valid; an invalid one is KMSInvalidSignatureException, which AWS sends without a message. */
  async verify(caller: Caller, req: VerifyRequest): Promise<KeyView> {
    const { view, type } = await this.prepare(caller, req, 'Verify');
    const material = currentMaterial(view.key);
    const publicKey = publicKeyFromSpki(keySpecEntry(view.key.keySpec).material as KeyPairRecipe, Buffer.from(material.publicKey!, 'base64'));
    if (!checkSignature(req.algorithm, publicKey, req.message, type, req.signature)) throw new KMSInvalidSignatureException('');
    return view;
  }

  private async prepare(caller: Caller, req: SignRequest, operation: 'Sign' | 'Verify'): Promise<{ view: KeyView; type: MessageType }> {
    const view = await this.keys.usable(caller, req.keyId, operation);
    const { key, arn } = view;
    if (key.keyUsage !== 'SIGN_VERIFY') {
      throw new InvalidKeyUsageException(`${arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
    }
    if (!usageAlgorithms(key.keySpec, 'SIGN_VERIFY').signing?.includes(req.algorithm)) {
      throw new InvalidKeyUsageException(`Algorithm ${req.algorithm} is incompatible with key spec ${key.keySpec}.`);
    }
    const type = req.messageType ?? 'RAW';
    const accepted = SIGNING_ALGORITHMS[req.algorithm].messageTypes;
    if (!(type in accepted)) throw new ValidationException(`Message type ${type} is incompatible with algorithm ${req.algorithm}.`);
    const length = accepted[type];
    if (length !== undefined && req.message.length !== length) {
      throw new ValidationException(`Digest is invalid length for algorithm ${req.algorithm}.`);
    }
    if (req.dryRun) throw dryRunSucceeded();
    return { view, type };
  }
}
