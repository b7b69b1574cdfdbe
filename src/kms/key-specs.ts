import { ValidationException } from '../core/common-errors.js';
import { UnsupportedOperationException } from './errors.js';
import type { KeyUsage } from './key.js';

// Every key spec of the KMS service model as data: the key usages AWS allows for it, the
// algorithms each usage offers (what KeyMetadata and GetPublicKey list, in AWS's order), how its
// material is made, and the limits that depend on it. Operations and material generation read
// this table; nothing else decides what a key spec can do.

export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519'
  | 'ML_DSA_44'
  | 'ML_DSA_65'
  | 'ML_DSA_87'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512'
  | 'SM2';

export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'SM2PKE';
export type SigningAlgorithm =
  | 'RSASSA_PSS_SHA_256'
  | 'RSASSA_PSS_SHA_384'
  | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256'
  | 'RSASSA_PKCS1_V1_5_SHA_384'
  | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256'
  | 'ECDSA_SHA_384'
  | 'ECDSA_SHA_512'
  | 'ED25519_SHA_512'
  | 'ED25519_PH_SHA_512'
  | 'ML_DSA_SHAKE_256'
  | 'SM2DSA';
export type MacAlgorithm = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type KeyAgreementAlgorithm = 'ECDH';
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

/** The algorithms one key usage of a key spec offers; exactly one list is present. */
export interface UsageAlgorithms {
  encryption?: readonly EncryptionAlgorithm[];
  signing?: readonly SigningAlgorithm[];
  mac?: readonly MacAlgorithm[];
  keyAgreement?: readonly KeyAgreementAlgorithm[];
}

/** Node's names for the curves of the ECC key specs (and SM2's, which Node's OpenSSL knows). */
export type NamedCurve = 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp256k1' | 'SM2';
export type MlDsaLevel = 44 | 65 | 87;

/** How a key spec's material is made. */
export type MaterialRecipe =
  | { kind: 'aes'; bytes: 32 }
  /** AWS generates HMAC keys as long as the digest: 28, 32, 48 or 64 bytes. */
  | { kind: 'hmac'; bytes: number }
  | { kind: 'rsa'; modulusBits: 2048 | 3072 | 4096 }
  | { kind: 'ec'; curve: NamedCurve }
  | { kind: 'ed25519' }
  | { kind: 'ml-dsa'; level: MlDsaLevel };

export interface KeySpecEntry {
  spec: KeySpec;
  usages: Readonly<Partial<Record<KeyUsage, UsageAlgorithms>>>;
  material: MaterialRecipe;
  /**
   * The spec is in the deprecated CustomerMasterKeySpec enum, so KeyMetadata and GetPublicKey
   * repeat it there; the specs added later (ML-DSA, Ed25519) have no CustomerMasterKeySpec.
   */
  inCustomerMasterKeySpec: boolean;
  /** Offered only in these Regions (SM2: the China Regions). */
  regions?: readonly string[];
}

const RSA_ENCRYPTION: readonly EncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
// AWS lists PKCS #1 v1.5 before PSS (DescribeKey of an RSA signing key).
const RSA_SIGNING: readonly SigningAlgorithm[] = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];
const ECDH: readonly KeyAgreementAlgorithm[] = ['ECDH'];

const rsa = (spec: KeySpec, modulusBits: 2048 | 3072 | 4096): KeySpecEntry => ({
  spec,
  usages: { ENCRYPT_DECRYPT: { encryption: RSA_ENCRYPTION }, SIGN_VERIFY: { signing: RSA_SIGNING } },
  material: { kind: 'rsa', modulusBits },
  inCustomerMasterKeySpec: true,
});

/** NIST curves sign with the one ECDSA digest AWS pairs with them, and agree keys with ECDH. */
const nist = (spec: KeySpec, curve: NamedCurve, signing: SigningAlgorithm): KeySpecEntry => ({
  spec,
  usages: { SIGN_VERIFY: { signing: [signing] }, KEY_AGREEMENT: { keyAgreement: ECDH } },
  material: { kind: 'ec', curve },
  inCustomerMasterKeySpec: true,
});

const mlDsa = (spec: KeySpec, level: MlDsaLevel): KeySpecEntry => ({
  spec,
  usages: { SIGN_VERIFY: { signing: ['ML_DSA_SHAKE_256'] } },
  material: { kind: 'ml-dsa', level },
  inCustomerMasterKeySpec: false,
});

const hmac = (spec: KeySpec, algorithm: MacAlgorithm, bytes: number): KeySpecEntry => ({
  spec,
  usages: { GENERATE_VERIFY_MAC: { mac: [algorithm] } },
  material: { kind: 'hmac', bytes },
  inCustomerMasterKeySpec: true,
});

export const CHINA_REGIONS: readonly string[] = ['cn-north-1', 'cn-northwest-1'];

export const KEY_SPECS: Readonly<Record<KeySpec, KeySpecEntry>> = {
  SYMMETRIC_DEFAULT: {
    spec: 'SYMMETRIC_DEFAULT',
    usages: { ENCRYPT_DECRYPT: { encryption: ['SYMMETRIC_DEFAULT'] } },
    material: { kind: 'aes', bytes: 32 },
    inCustomerMasterKeySpec: true,
  },
  RSA_2048: rsa('RSA_2048', 2048),
  RSA_3072: rsa('RSA_3072', 3072),
  RSA_4096: rsa('RSA_4096', 4096),
  ECC_NIST_P256: nist('ECC_NIST_P256', 'prime256v1', 'ECDSA_SHA_256'),
  ECC_NIST_P384: nist('ECC_NIST_P384', 'secp384r1', 'ECDSA_SHA_384'),
  ECC_NIST_P521: nist('ECC_NIST_P521', 'secp521r1', 'ECDSA_SHA_512'),
  // Not a NIST curve: AWS offers it for signing only, not for key agreement.
  ECC_SECG_P256K1: {
    spec: 'ECC_SECG_P256K1',
    usages: { SIGN_VERIFY: { signing: ['ECDSA_SHA_256'] } },
    material: { kind: 'ec', curve: 'secp256k1' },
    inCustomerMasterKeySpec: true,
  },
  ECC_NIST_EDWARDS25519: {
    spec: 'ECC_NIST_EDWARDS25519',
    usages: { SIGN_VERIFY: { signing: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] } },
    material: { kind: 'ed25519' },
    inCustomerMasterKeySpec: false,
  },
  ML_DSA_44: mlDsa('ML_DSA_44', 44),
  ML_DSA_65: mlDsa('ML_DSA_65', 65),
  ML_DSA_87: mlDsa('ML_DSA_87', 87),
  HMAC_224: hmac('HMAC_224', 'HMAC_SHA_224', 28),
  HMAC_256: hmac('HMAC_256', 'HMAC_SHA_256', 32),
  HMAC_384: hmac('HMAC_384', 'HMAC_SHA_384', 48),
  HMAC_512: hmac('HMAC_512', 'HMAC_SHA_512', 64),
  SM2: {
    spec: 'SM2',
    usages: {
      ENCRYPT_DECRYPT: { encryption: ['SM2PKE'] },
      SIGN_VERIFY: { signing: ['SM2DSA'] },
      KEY_AGREEMENT: { keyAgreement: ECDH },
    },
    material: { kind: 'ec', curve: 'SM2' },
    inCustomerMasterKeySpec: true,
    regions: CHINA_REGIONS,
  },
};

export const keySpecEntry = (spec: string): KeySpecEntry => {
  const entry = KEY_SPECS[spec as KeySpec];
  if (!entry) throw new Error(`unknown key spec ${spec}`);
  return entry;
};

/** The algorithms a key of this spec and usage offers. */
export const usageAlgorithms = (spec: string, usage: KeyUsage): UsageAlgorithms => keySpecEntry(spec).usages[usage] ?? {};

/** Symmetric encryption keys: the only keys with versioned material, rotation and the Keywarden ciphertext format. */
export const isSymmetricEncryption = (spec: string): boolean => spec === 'SYMMETRIC_DEFAULT';

/** Key pairs: the keys with a public key. */
export const isAsymmetric = (spec: string): boolean => {
  const kind = keySpecEntry(spec).material.kind;
  return kind !== 'aes' && kind !== 'hmac';
};

/**
 * The key usage a new key gets, or AWS's error for the combination. The model's enums have
 * been checked already; what is left is which pairs AWS accepts, and where.
 */
export function checkNewKey(spec: KeySpec, usage: KeyUsage | undefined, region: string): KeyUsage {
  const entry = keySpecEntry(spec);
  if (usage === undefined) {
    if (spec !== 'SYMMETRIC_DEFAULT') {
      throw new ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    }
    usage = 'ENCRYPT_DECRYPT';
  }
  if (!entry.usages[usage]) throw new ValidationException(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  if (entry.regions && !entry.regions.includes(region)) {
    throw new UnsupportedOperationException(`KeySpec ${spec} is not supported in this Region`);
  }
  return usage;
}

/**
 * RSAES-OAEP's plaintext limit: the modulus length less two digests and two bytes. For
 * RSA_2048 that is 214 bytes with SHA-1 and 190 with SHA-256, as AWS documents for Encrypt.
 */
export function oaepPlaintextLimit(modulusBits: number, algorithm: 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256'): number {
  const digest = algorithm === 'RSAES_OAEP_SHA_1' ? 20 : 32;
  return modulusBits / 8 - 2 * digest - 2;
}

/** SM2PKE encrypts at most 1024 bytes (China Regions only). */
export const SM2PKE_PLAINTEXT_LIMIT = 1024;

/** What each signing algorithm hashes with, and which message types AWS accepts for it. */
export interface SigningAlgorithmEntry {
  scheme: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph' | 'ml-dsa' | 'sm2';
  /** Node's digest name; SHAKE-256 for ML-DSA is internal to the scheme. */
  hash?: 'sha256' | 'sha384' | 'sha512' | 'sm3';
  /** The bytes a Message of each accepted MessageType must have (undefined: 1-4096, as the model says). */
  messageTypes: Readonly<Partial<Record<MessageType, number | undefined>>>;
}

const digestSigned = (scheme: SigningAlgorithmEntry['scheme'], hash: 'sha256' | 'sha384' | 'sha512' | 'sm3'): SigningAlgorithmEntry => ({
  scheme,
  hash,
  messageTypes: { RAW: undefined, DIGEST: hash === 'sha384' ? 48 : hash === 'sha512' ? 64 : 32 },
});

export const SIGNING_ALGORITHMS: Readonly<Record<SigningAlgorithm, SigningAlgorithmEntry>> = {
  RSASSA_PSS_SHA_256: digestSigned('rsa-pss', 'sha256'),
  RSASSA_PSS_SHA_384: digestSigned('rsa-pss', 'sha384'),
  RSASSA_PSS_SHA_512: digestSigned('rsa-pss', 'sha512'),
  RSASSA_PKCS1_V1_5_SHA_256: digestSigned('rsa-pkcs1', 'sha256'),
  RSASSA_PKCS1_V1_5_SHA_384: digestSigned('rsa-pkcs1', 'sha384'),
  RSASSA_PKCS1_V1_5_SHA_512: digestSigned('rsa-pkcs1', 'sha512'),
  ECDSA_SHA_256: digestSigned('ecdsa', 'sha256'),
  ECDSA_SHA_384: digestSigned('ecdsa', 'sha384'),
  ECDSA_SHA_512: digestSigned('ecdsa', 'sha512'),
  // Pure Ed25519 signs the message itself; Ed25519ph only a SHA-512 digest, which AWS hashes
  // once more as FIPS 186-5's prehash step (so the caller's digest is hashed twice).
  ED25519_SHA_512: { scheme: 'ed25519', messageTypes: { RAW: undefined } },
  ED25519_PH_SHA_512: { scheme: 'ed25519ph', hash: 'sha512', messageTypes: { DIGEST: 64 } },
  // EXTERNAL_MU: the 64-byte message representative mu of FIPS 204 section 6.2.
  ML_DSA_SHAKE_256: { scheme: 'ml-dsa', messageTypes: { RAW: undefined, EXTERNAL_MU: 64 } },
  // DIGEST: e = SM3(Z || M), with Z over the default distinguishing ID.
  SM2DSA: digestSigned('sm2', 'sm3'),
};

export interface MacAlgorithmEntry {
  hash: 'sha224' | 'sha256' | 'sha384' | 'sha512';
  macLength: number;
}

export const MAC_ALGORITHMS: Readonly<Record<MacAlgorithm, MacAlgorithmEntry>> = {
  HMAC_SHA_224: { hash: 'sha224', macLength: 28 },
  HMAC_SHA_256: { hash: 'sha256', macLength: 32 },
  HMAC_SHA_384: { hash: 'sha384', macLength: 48 },
  HMAC_SHA_512: { hash: 'sha512', macLength: 64 },
};
