import { createECDH, createPublicKey, diffieHellman, ECDH, KeyObject } from 'node:crypto';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { privateKeyFromPkcs8, type PrivateKey } from './asymmetric-material.js';
import { dryRunSucceeded, InvalidKeyUsageException } from './errors.js';
import { currentMaterial } from './key.js';
import { keySpecEntry, usageAlgorithms, type KeyAgreementAlgorithm, type NamedCurve } from './key-specs.js';
import type { KeyService, KeyView } from './keys.js';

// DeriveSharedSecret: ECDH between the private key of a KEY_AGREEMENT key and a peer's public
// key on the same curve. The secret is the raw x-coordinate of the shared point (what OpenSSL's
// `pkeyutl -derive` prints from the other side), left for the caller to put through a KDF.

export interface SharedSecret {
  view: KeyView;
  algorithm: KeyAgreementAlgorithm;
  /** The caller zeroes it once answered. */
  secret: Buffer;
}

export class KeyAgreementService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  async deriveSharedSecret(
    caller: Caller,
    keyId: string,
    algorithm: KeyAgreementAlgorithm,
    peerPublicKey: Buffer,
    dryRun?: boolean,
  ): Promise<SharedSecret> {
    const view = await this.keys.usable(caller, keyId, 'DeriveSharedSecret');
    const { key, arn } = view;
    if (key.keyUsage !== 'KEY_AGREEMENT') {
      throw new InvalidKeyUsageException(`${arn} key usage is ${key.keyUsage} which is not valid for DeriveSharedSecret.`);
    }
    if (!usageAlgorithms(key.keySpec, 'KEY_AGREEMENT').keyAgreement?.includes(algorithm)) {
      throw new InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
    }
    const recipe = keySpecEntry(key.keySpec).material;
    if (recipe.kind !== 'ec') throw new Error(`${key.keySpec} cannot agree keys`);
    const peer = peerKey(recipe.curve, peerPublicKey, view);
    if (dryRun) throw dryRunSucceeded();
    const privateKey = this.deps.backends.secret(key, currentMaterial(key), (raw) => privateKeyFromPkcs8(recipe, raw));
    return { view, algorithm, secret: agree(privateKey, peer) };
  }
}

/** The x-coordinate of the shared point; a peer point OpenSSL still refuses here is a bad public key too. */
function agree(privateKey: PrivateKey, peer: KeyObject | Buffer): Buffer {
  if (!(privateKey instanceof KeyObject) && privateKey.kind !== 'sm2') throw new Error('not a key agreement key');
  try {
    if (privateKey instanceof KeyObject) return diffieHellman({ privateKey, publicKey: peer as KeyObject });
    // Node reads SM2 keys as a key type it cannot use, but its ECDH runs on the SM2 curve.
    const ecdh = createECDH('SM2');
    ecdh.setPrivateKey(privateKey.scalar);
    return ecdh.computeSecret(peer as Buffer);
  } catch {
    throw new ValidationException('');
  }
}

/** SubjectPublicKeyInfo of id-ecPublicKey on the SM2 curve, less the 65-byte uncompressed point. */
const SM2_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');

/**
 * The peer's public key, which must be a DER SubjectPublicKeyInfo of a point on the key's curve.
 * Bytes that are no public key at all get AWS's ValidationException, which has no message.
 */
function peerKey(curve: NamedCurve, der: Buffer, { key, arn }: KeyView): KeyObject | Buffer {
  const wrongCurve = () =>
    new ValidationException(`The public key must be on the same curve as KMS key ${arn} (${key.keySpec}).`);
  if (curve === 'SM2') {
    if (der.length !== SM2_SPKI_PREFIX.length + 65 || !der.subarray(0, SM2_SPKI_PREFIX.length).equals(SM2_SPKI_PREFIX)) {
      throw looksLikeSpki(der) ? wrongCurve() : new ValidationException('');
    }
    const point = der.subarray(SM2_SPKI_PREFIX.length);
    try {
      // Validates the point: a point off the curve fails here, before DryRun can answer.
      ECDH.convertKey(point, 'SM2');
    } catch {
      throw new ValidationException('');
    }
    return point;
  }
  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new ValidationException('');
  }
  if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== curve) throw wrongCurve();
  return peer;
}

/** Whether the bytes parse as some SubjectPublicKeyInfo (one Node reads, or an SM2 one). */
function looksLikeSpki(der: Buffer): boolean {
  try {
    createPublicKey({ key: der, format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}
