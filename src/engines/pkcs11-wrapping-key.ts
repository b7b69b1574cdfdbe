import type * as Pkcs11js from 'pkcs11js';
import { EngineUnavailableError } from '../cluster/hsm-engine.js';
import { type Handle, pkcs11js } from './pkcs11-module.js';
import type { Token } from './pkcs11-token.js';

export const WRAPPING_KEY_LABEL = 'keywarden-wrapping-key';
/** NIST P-256, DER: the curve of the ephemeral keys that carry the wrapping key to a new token. */
const P256 = Buffer.from('06082a8648ce3d030107', 'hex');

/**
 * The key that wraps key objects, held by every token Keywarden uses as an HSM: what CloudHSM's
 * HSMs share to synchronise a cluster and to make backups that only HSMs can open. A key object
 * leaves the token it was generated in only wrapped under it (its `material`, which backups carry),
 * and any token holding it can unwrap a copy: another HSM of the cluster, an HSM added later, the
 * HSMs of a cluster restored from a backup.
 *
 * It is generated in the first token and reaches each other token wrapped under a key the two
 * tokens agree on by ECDH (P-256, ephemeral key pairs on both): never in plaintext outside a
 * token. It is extractable for that reason only, and sensitive.
 */
export class WrappingKey {
  private readonly handles = new Map<Token, Handle>();

  private constructor(readonly id: string) {}

  /** The wrapping key the tokens hold (the first token's, if they disagree), generated in the first token if none holds one. */
  static establish(tokens: readonly Token[]): WrappingKey {
    for (const token of tokens) {
      const [found] = token.find(wrappingKeyTemplate());
      if (!found) continue;
      const key = new WrappingKey(token.value(found, pkcs11js().CKA_ID).toString('hex'));
      key.handles.set(token, found);
      return key;
    }
    const first = tokens[0];
    if (!first) throw new EngineUnavailableError('the PKCS#11 engine has no token to keep its wrapping key in');
    const lib = pkcs11js();
    const id = first.api.C_GenerateRandom(first.anchor, Buffer.alloc(8));
    const handle = first.api.C_GenerateKey(first.anchor, { mechanism: lib.CKM_AES_KEY_GEN }, [...wrappingKeyTemplate(id), { type: lib.CKA_VALUE_LEN, value: 32 }]);
    const key = new WrappingKey(id.toString('hex'));
    key.handles.set(first, handle);
    return key;
  }

  /** Its handle on `token`, after giving the token a copy if it has none. */
  on(token: Token): Handle {
    const known = this.handles.get(token);
    if (known) return known;
    const id = Buffer.from(this.id, 'hex');
    let [found] = token.find(wrappingKeyTemplate(id));
    if (!found) {
      const [source, handle] = [...this.handles][0] ?? [];
      if (!source || !handle) throw new EngineUnavailableError(`no token holds the wrapping key ${this.id} any more`);
      found = share(source, handle, token, id);
    }
    this.handles.set(token, found);
    return found;
  }
}

function wrappingKeyTemplate(id?: Buffer): Pkcs11js.Template {
  const lib = pkcs11js();
  return [
    { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
    { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
    { type: lib.CKA_LABEL, value: WRAPPING_KEY_LABEL },
    ...(id
      ? [
          { type: lib.CKA_ID, value: id },
          { type: lib.CKA_TOKEN, value: true },
          { type: lib.CKA_PRIVATE, value: true },
          { type: lib.CKA_WRAP, value: true },
          { type: lib.CKA_UNWRAP, value: true },
          { type: lib.CKA_ENCRYPT, value: false },
          { type: lib.CKA_DECRYPT, value: false },
          { type: lib.CKA_SIGN, value: false },
          { type: lib.CKA_VERIFY, value: false },
          { type: lib.CKA_DERIVE, value: false },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: true },
        ]
      : []),
  ];
}

/** Copies the wrapping key from one token to another under a key agreed by ECDH between them. */
function share(from: Token, key: Handle, to: Token, id: Buffer): Handle {
  const lib = pkcs11js();
  const made: Array<[Token, Handle]> = [];
  try {
    const ends = [from, to].map((token) => {
      const pair = token.api.C_GenerateKeyPair(
        token.anchor,
        { mechanism: lib.CKM_EC_KEY_PAIR_GEN },
        [
          { type: lib.CKA_TOKEN, value: false },
          { type: lib.CKA_EC_PARAMS, value: P256 },
        ],
        [
          { type: lib.CKA_TOKEN, value: false },
          { type: lib.CKA_DERIVE, value: true },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: false },
        ],
      );
      made.push([token, pair.publicKey], [token, pair.privateKey]);
      return { token, pair, point: token.value(pair.publicKey, lib.CKA_EC_POINT) };
    });
    const [a, b] = ends as [(typeof ends)[0], (typeof ends)[0]];
    const agree = (own: typeof a, other: typeof a): Handle => {
      const transport = own.token.api.C_DeriveKey(
        own.token.anchor,
        { mechanism: lib.CKM_ECDH1_DERIVE, parameter: { type: lib.CK_PARAMS_EC_DH, kdf: lib.CKD_NULL, publicData: other.point } as Pkcs11js.ECDH1 },
        own.pair.privateKey,
        [
          { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
          { type: lib.CKA_TOKEN, value: false },
          { type: lib.CKA_VALUE_LEN, value: 32 },
          { type: lib.CKA_WRAP, value: true },
          { type: lib.CKA_UNWRAP, value: true },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: false },
        ],
      );
      made.push([own.token, transport]);
      return transport;
    };
    const sending = agree(a, b);
    const receiving = agree(b, a);
    const wrapped = from.api.C_WrapKey(from.anchor, { mechanism: lib.CKM_AES_KEY_WRAP_PAD }, sending, key, Buffer.alloc(64));
    return to.api.C_UnwrapKey(to.anchor, { mechanism: lib.CKM_AES_KEY_WRAP_PAD }, receiving, wrapped, wrappingKeyTemplate(id));
  } finally {
    for (const [token, handle] of made) token.destroyObject(handle);
  }
}
