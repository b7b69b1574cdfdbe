import { createHash } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import type { SealingKey } from '../core/sealer.js';
import { ckr, type Handle, Pkcs11SetupError, pkcs11js } from './pkcs11-module.js';
import { aesGcm, GCM_TAG_BYTES, gcmOnlyKeyAttributes, splitTag } from './pkcs11-gcm.js';
import type { Token } from './pkcs11-token.js';

export const ROOT_KEY_LABEL = 'keywarden-root-key';

/**
 * The service's root key as a key inside a PKCS#11 token (`serve --root-key pkcs11`): AES-256,
 * sensitive, not extractable, generated in the token on the first start. Everything the service
 * seals (the material of its own keys, key store passwords, sessions) is sealed by AES-GCM in the
 * token, so without the token and its PIN nothing in the data directory opens.
 *
 * A few secrets of the service are keys for HMAC rather than AES-GCM (grant and import tokens,
 * the check that a data directory meets its root key): they are derived in the token, as the
 * AES-GCM keystream of 32 zero bytes under an IV fixed for each purpose. The root key itself never
 * leaves the token.
 */
export class TokenRootKey implements SealingKey {
  private constructor(
    private readonly token: Token,
    private readonly key: Handle,
  ) {}

  get tokenLabel(): string {
    return this.token.label;
  }

  /** The token's root key; made if it has none and `create` allows (a data directory with nothing sealed yet). */
  static open(token: Token, create: boolean): TokenRootKey {
    const lib = pkcs11js();
    const found = token.find(template());
    if (found.length > 1) throw new Pkcs11SetupError(`PKCS#11 token '${token.label}' holds ${found.length} keys labelled ${ROOT_KEY_LABEL}; keep the one the data directory was sealed with`);
    if (found[0]) return new TokenRootKey(token, found[0]);
    if (!create) {
      throw new Pkcs11SetupError(
        `PKCS#11 token '${token.label}' holds no ${ROOT_KEY_LABEL}, the key this data directory was sealed with; use the token that holds it (rootKeyToken in --pkcs11-config)`,
      );
    }
    const key = token.api.C_GenerateKey(token.anchor, { mechanism: lib.CKM_AES_KEY_GEN }, [
      ...template(),
      { type: lib.CKA_ID, value: token.api.C_GenerateRandom(token.anchor, Buffer.alloc(8)) },
      { type: lib.CKA_VALUE_LEN, value: 32 },
      ...gcmOnlyKeyAttributes(),
    ]);
    return new TokenRootKey(token, key);
  }

  encrypt(iv: Buffer, aad: Buffer, data: Buffer): { ciphertext: Buffer; tag: Buffer } {
    const { api, anchor } = this.token;
    api.C_EncryptInit(anchor, aesGcm(iv, aad), this.key);
    return splitTag(api.C_Encrypt(anchor, data, Buffer.alloc(data.length + GCM_TAG_BYTES)));
  }

  decrypt(iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
    const { api, anchor } = this.token;
    const sealed = Buffer.concat([ciphertext, tag]);
    api.C_DecryptInit(anchor, aesGcm(iv, aad), this.key);
    try {
      return Buffer.from(api.C_Decrypt(anchor, sealed, Buffer.alloc(sealed.length)));
    } catch (err) {
      throw new Error(`the sealed value does not open under the root key in PKCS#11 token '${this.token.label}' (${ckr(err) ?? (err as Error).message})`);
    }
  }

  /** A 32-byte secret for `purpose`, the same on every start with this key. */
  derive(purpose: string): Buffer {
    const iv = createHash('sha256').update(`keywarden root key/${purpose}`).digest().subarray(0, 12);
    return this.encrypt(iv, Buffer.alloc(0), Buffer.alloc(32)).ciphertext;
  }
}

function template(): Pkcs11js.Template {
  const lib = pkcs11js();
  return [
    { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
    { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
    { type: lib.CKA_TOKEN, value: true },
    { type: lib.CKA_LABEL, value: ROOT_KEY_LABEL },
  ];
}
