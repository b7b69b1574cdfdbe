import { createPrivateKey, createPublicKey } from 'node:crypto';
import { IncorrectKeyMaterialException } from './errors.js';
import type { KeySpec, KeySpecEntry } from './key-specs.js';
import { SM2_ORDER, SM2Point } from './sm2.js';

// Whether imported material fits its key's spec, and the form it is kept in: symmetric and HMAC
// material as its bytes; a private key (PKCS #8 DER) re-encoded by this service, with the public
// key derived from it, exactly as generated key pairs are kept.

/**
 * The lengths of material AWS accepts for symmetric and HMAC key specs: 256 bits for symmetric
 * encryption keys, and for HMAC keys from the digest's length up to its block.
 */
const SECRET_BYTES: Partial<Record<KeySpec, { min: number; max: number }>> = {
  SYMMETRIC_DEFAULT: { min: 32, max: 32 },
  HMAC_224: { min: 28, max: 64 },
  HMAC_256: { min: 32, max: 64 },
  HMAC_384: { min: 48, max: 128 },
  HMAC_512: { min: 64, max: 128 },
};

/**
 * Whether keys of this spec can be created with Origin EXTERNAL: the key specs AWS lists for
 * imported material (symmetric, HMAC, RSA and the elliptic curves, SM2 where the spec exists).
 * Ed25519 and ML-DSA keys are not among them.
 */
export function importable(entry: KeySpecEntry): boolean {
  const m = entry.material;
  return SECRET_BYTES[entry.spec] !== undefined || m.kind === 'rsa' || m.kind === 'ec';
}

export interface FittedMaterial {
  secret: Buffer;
  publicKey?: Buffer;
}

/** The material as it is kept, or IncorrectKeyMaterialException when it does not fit the key spec. */
export function fitMaterial(entry: KeySpecEntry, material: Buffer): FittedMaterial {
  const bytes = SECRET_BYTES[entry.spec];
  if (bytes) {
    if (material.length < bytes.min || material.length > bytes.max) {
      throw new IncorrectKeyMaterialException(
        `The key material is not valid for KeySpec ${entry.spec}: it must be ${bytes.min === bytes.max ? bytes.min : `${bytes.min} to ${bytes.max}`} bytes.`,
      );
    }
    return { secret: Buffer.from(material) };
  }
  const wrong = () => new IncorrectKeyMaterialException(`The key material is not a PKCS #8 DER private key for KeySpec ${entry.spec}.`);
  let key;
  try {
    key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  } catch {
    throw wrong();
  }
  const m = entry.material;
  if (m.kind === 'ec' && m.curve === 'SM2') {
    const fitted = fitSm2(material);
    if (!fitted) throw wrong();
    return fitted;
  }
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    (m.kind === 'rsa' && key.asymmetricKeyType === 'rsa' && details.modulusLength === m.modulusBits) ||
    (m.kind === 'ec' && key.asymmetricKeyType === 'ec' && details.namedCurve === m.curve);
  if (!fits) throw wrong();
  return {
    secret: key.export({ type: 'pkcs8', format: 'der' }),
    publicKey: createPublicKey(key).export({ type: 'spki', format: 'der' }),
  };
}

// SM2 keys: OpenSSL reads a PKCS #8 SM2 key as a key type Node does not expose, so the key is
// re-encoded here, exactly as Node writes the SM2 pairs this service generates (id-ecPublicKey,
// the SM2 curve, SEC 1's ECPrivateKey with its public point), so that one reader serves both.

const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');
const ALGORITHM = Buffer.concat([Buffer.from([0x30, 0x13]), EC_PUBLIC_KEY_OID, SM2_CURVE_OID]);
const SEC1_SCALAR_32 = Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]);

function fitSm2(der: Buffer): FittedMaterial | undefined {
  const algorithmAt = der.indexOf(ALGORITHM);
  const scalarAt = der.indexOf(SEC1_SCALAR_32, algorithmAt + ALGORITHM.length);
  if (algorithmAt < 0 || algorithmAt > 8 || scalarAt < 0 || der.length < scalarAt + SEC1_SCALAR_32.length + 32) return undefined;
  const scalar = der.subarray(scalarAt + SEC1_SCALAR_32.length, scalarAt + SEC1_SCALAR_32.length + 32);
  const k = BigInt(`0x${scalar.toString('hex')}`);
  if (k === 0n || k >= SM2_ORDER) return undefined;
  const point = Buffer.from(SM2Point.BASE.multiply(k).toBytes(false));
  // ECPrivateKey { version 1, privateKey [32], [1] { BIT STRING 04||x||y } }
  const ecPrivateKey = Buffer.concat([Buffer.from([0x30, 0x6b]), SEC1_SCALAR_32, scalar, Buffer.from([0xa1, 0x44, 0x03, 0x42, 0x00]), point]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), ALGORITHM, Buffer.from([0x04, ecPrivateKey.length]), ecPrivateKey]);
  const secret = Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]);
  ecPrivateKey.fill(0);
  body.fill(0);
  const spkiBody = Buffer.concat([ALGORITHM, Buffer.from([0x03, 0x42, 0x00]), point]);
  return { secret, publicKey: Buffer.concat([Buffer.from([0x30, spkiBody.length]), spkiBody]) };
}
