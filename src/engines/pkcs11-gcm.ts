import type * as Pkcs11js from 'pkcs11js';
import { pkcs11js } from './pkcs11-module.js';

export const GCM_TAG_BYTES = 16;

/**
 * CKM_AES_GCM with a 128-bit tag, its parameters in PKCS#11 2.40's layout (with ulIvBits): of the
 * two forms pkcs11js offers, the only one it fills in completely.
 */
export function aesGcm(iv: Buffer, aad: Buffer): Pkcs11js.Mechanism {
  const lib = pkcs11js();
  const parameter: Pkcs11js.AesGCM = { type: lib.CK_PARAMS_AES_GCM_v240, iv, ivBits: iv.length * 8, tagBits: GCM_TAG_BYTES * 8 };
  if (aad.length > 0) parameter.aad = aad;
  return { mechanism: lib.CKM_AES_GCM, parameter };
}

/** PKCS#11 returns the tag after the ciphertext. */
export function splitTag(out: Buffer): { ciphertext: Buffer; tag: Buffer } {
  return { ciphertext: Buffer.from(out.subarray(0, out.length - GCM_TAG_BYTES)), tag: Buffer.from(out.subarray(out.length - GCM_TAG_BYTES)) };
}

/**
 * What every key the engine keeps in a token is allowed: AES-GCM encryption and decryption in the
 * token, nothing else, and its value never leaves the token (private, sensitive, not extractable).
 */
export function gcmOnlyKeyAttributes(): Pkcs11js.Template {
  const lib = pkcs11js();
  return [
    { type: lib.CKA_PRIVATE, value: true },
    { type: lib.CKA_ENCRYPT, value: true },
    { type: lib.CKA_DECRYPT, value: true },
    { type: lib.CKA_WRAP, value: false },
    { type: lib.CKA_UNWRAP, value: false },
    { type: lib.CKA_SIGN, value: false },
    { type: lib.CKA_VERIFY, value: false },
    { type: lib.CKA_DERIVE, value: false },
    { type: lib.CKA_SENSITIVE, value: true },
    { type: lib.CKA_EXTRACTABLE, value: false },
  ];
}
