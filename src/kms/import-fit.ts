import { createPrivateKey, createPublicKey } from 'node:crypto';
import { IncorrectKeyMaterialException } from './errors.js';
import type { KeySpec, KeySpecEntry } from './key-specs.js';

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

/** Whether keys of this spec can be created with Origin EXTERNAL here (RSA and the non-SM2 EC curves too). */
export function importable(entry: KeySpecEntry): boolean {
  const m = entry.material;
  return SECRET_BYTES[entry.spec] !== undefined || m.kind === 'rsa' || (m.kind === 'ec' && m.curve !== 'SM2');
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
