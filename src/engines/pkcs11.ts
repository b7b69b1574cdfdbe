import type * as Pkcs11js from 'pkcs11js';
import {
  EngineAuthError,
  EngineUnavailableError,
  type GeneratedKey,
  type HsmEngine,
  type KeyPlacement,
  type MaterialRef,
  type Placement,
} from '../cluster/hsm-engine.js';
import { aesGcm, GCM_TAG_BYTES, gcmOnlyKeyAttributes, splitTag } from './pkcs11-gcm.js';
import { HsmTokens } from './pkcs11-hsm-tokens.js';
import { ckr, type Handle, type Pkcs11Module, pkcs11js } from './pkcs11-module.js';
import type { Token } from './pkcs11-token.js';
import { WrappingKey } from './pkcs11-wrapping-key.js';

const SIZES = new Set([16, 24, 32]);
/** What a failed AES-GCM decryption returns: CKR_ENCRYPTED_DATA_INVALID by the standard; SoftHSM2 says CKR_GENERAL_ERROR. */
const TAG_MISMATCH = new Set(['CKR_ENCRYPTED_DATA_INVALID', 'CKR_ENCRYPTED_DATA_LEN_RANGE', 'CKR_GENERAL_ERROR']);
const STALE_HANDLE = new Set(['CKR_KEY_HANDLE_INVALID', 'CKR_OBJECT_HANDLE_INVALID']);
const MATERIAL = /^p11:([0-9a-f]+):([A-Za-z0-9+/]+={0,2})$/;

export interface Pkcs11EngineOptions {
  module: Pkcs11Module;
  /** The tokens that serve as HSMs, in the order they are taken. */
  tokens: readonly Token[];
  /** The HSMs that exist, so the tokens of deleted ones can serve new ones. */
  liveHsms?: () => Promise<ReadonlySet<string>>;
}

/**
 * Key objects in PKCS#11 tokens, one token per HSM. A key object is generated inside a token as
 * an AES key, leaves it only wrapped (CKM_AES_KEY_WRAP_PAD under the wrapping key every token
 * holds), and is unwrapped into the token of every HSM of its cluster as a token object that is
 * sensitive and not extractable, with the key object's id as CKA_ID and its label as CKA_LABEL.
 * The wrapped bytes are the key object's `material`: what backups carry, and what gives an HSM
 * added later, or restored from a backup, its copy on first use. AES-GCM runs in the token, in
 * the session of the login that asks, or one from the token's pool.
 */
export class Pkcs11Engine implements HsmEngine {
  readonly name = 'pkcs11';
  private readonly hsmTokens: HsmTokens;
  private readonly wrapping: WrappingKey;
  private next = 0;
  private closed = false;

  constructor(private readonly opts: Pkcs11EngineOptions) {
    if (opts.tokens.length === 0) throw new EngineUnavailableError('the PKCS#11 engine needs at least one token');
    this.wrapping = WrappingKey.establish(opts.tokens);
    this.hsmTokens = new HsmTokens(opts.tokens, opts.liveHsms);
  }

  async generateAesKey(objectId: string, sizeBytes: number, at?: KeyPlacement): Promise<GeneratedKey> {
    if (!SIZES.has(sizeBytes)) throw new RangeError(`AES keys are 16, 24 or 32 bytes, not ${sizeBytes}`);
    const tokens = await this.tokensOf(at);
    try {
      return this.generateIn(tokens, objectId, sizeBytes, at!.label);
    } catch (err) {
      throw refused(err);
    }
  }

  private generateIn(tokens: Token[], objectId: string, sizeBytes: number, label: string): GeneratedKey {
    const lib = pkcs11js();
    const first = tokens[0]!;
    // Made as a session object that may be wrapped once, and destroyed as soon as it is: each
    // HSM's copy is unwrapped from the same bytes, not extractable and never was.
    const fresh = first.api.C_GenerateKey(first.anchor, { mechanism: lib.CKM_AES_KEY_GEN }, [
      { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
      { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
      { type: lib.CKA_TOKEN, value: false },
      { type: lib.CKA_VALUE_LEN, value: sizeBytes },
      { type: lib.CKA_ENCRYPT, value: true },
      { type: lib.CKA_DECRYPT, value: false },
      { type: lib.CKA_SENSITIVE, value: true },
      { type: lib.CKA_EXTRACTABLE, value: true },
    ]);
    let material: string;
    let checkValue: string;
    try {
      checkValue = this.checkValue(first, fresh);
      const wrapped = first.api.C_WrapKey(first.anchor, { mechanism: lib.CKM_AES_KEY_WRAP_PAD }, this.wrapping.on(first), fresh, Buffer.alloc(sizeBytes + 16));
      material = `p11:${this.wrapping.id}:${wrapped.toString('base64')}`;
    } finally {
      first.destroyObject(fresh);
    }
    const ref = { objectId, material, label };
    for (const token of tokens) {
      this.removeCopies(token, objectId);
      this.copyOn(token, ref);
    }
    return { material, checkValue };
  }

  async encrypt(ref: MaterialRef, plaintext: Buffer, iv: Buffer, aad: Buffer, at?: Placement): Promise<{ ciphertext: Buffer; tag: Buffer }> {
    const token = await this.pick(at);
    try {
      const out = await this.inSession(token, ref, at, (api, session, key) => {
        api.C_EncryptInit(session, aesGcm(iv, aad), key);
        return api.C_EncryptAsync(session, plaintext, Buffer.alloc(plaintext.length + GCM_TAG_BYTES));
      });
      return splitTag(out);
    } catch (err) {
      throw refused(err);
    }
  }

  async decrypt(ref: MaterialRef, ciphertext: Buffer, iv: Buffer, aad: Buffer, tag: Buffer, at?: Placement): Promise<Buffer> {
    if (tag.length !== GCM_TAG_BYTES) throw new EngineAuthError(`an AES-GCM tag here is ${GCM_TAG_BYTES} bytes`);
    const token = await this.pick(at);
    const sealed = Buffer.concat([ciphertext, tag]);
    try {
      return Buffer.from(
        await this.inSession(token, ref, at, (api, session, key) => {
          api.C_DecryptInit(session, aesGcm(iv, aad), key);
          return api.C_DecryptAsync(session, sealed, Buffer.alloc(sealed.length));
        }),
      );
    } catch (err) {
      if (TAG_MISMATCH.has(ckr(err) ?? '')) throw new EngineAuthError('the ciphertext, its tag or its associated data do not verify under this key');
      throw refused(err);
    }
  }

  async destroy(ref: MaterialRef, at?: Placement): Promise<void> {
    for (const hsmId of at?.hsms ?? []) {
      const token = this.hsmTokens.assigned(hsmId);
      try {
        if (token) this.removeCopies(token, ref.objectId);
      } catch (err) {
        throw refused(err);
      }
    }
  }

  async random(n: number, at?: Placement): Promise<Buffer> {
    const token = at?.hsms.length ? await this.pick(at) : this.opts.tokens[0]!;
    try {
      return token.api.C_GenerateRandom(token.anchor, Buffer.alloc(n));
    } catch (err) {
      throw refused(err);
    }
  }

  release(session: string): void {
    for (const token of this.opts.tokens) token.sessions.release(session);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.module.close();
  }

  /** The tokens of the HSMs of `at`, each taken for its HSM if it had none. */
  private async tokensOf(at: Placement | undefined): Promise<Token[]> {
    if (!at || at.hsms.length === 0) throw new EngineUnavailableError('the PKCS#11 engine needs the HSMs of the key object\u2019s cluster');
    const tokens: Token[] = [];
    for (const hsmId of at.hsms) tokens.push(await this.hsmTokens.tokenFor(hsmId));
    return tokens;
  }

  /** One HSM of the cluster for this call, taking them in turn as CloudHSM's client spreads its calls. */
  private async pick(at: Placement | undefined): Promise<Token> {
    if (!at || at.hsms.length === 0) throw new EngineUnavailableError('the PKCS#11 engine needs the HSMs of the key object\u2019s cluster');
    const hsmId = at.hsms[this.next++ % at.hsms.length]!;
    return this.hsmTokens.tokenFor(hsmId);
  }

  /**
   * Runs `work` in a session of the token lent to the call's login, with the token's copy of the
   * key. A handle that went stale (the copy was deleted behind the engine's back) is looked up,
   * or the copy made again, once.
   */
  private async inSession<T>(token: Token, ref: MaterialRef, at: Placement | undefined, work: (api: Token['api'], session: Handle, key: Handle) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const key = this.copyOn(token, ref);
      const lease = token.sessions.lease(at?.session);
      let broken = true;
      try {
        const out = await work(token.api, lease.session, key);
        broken = false;
        return out;
      } catch (err) {
        const code = ckr(err) ?? '';
        // A call that ended with the token's own verdict ended its operation; anything else may not have.
        broken = !TAG_MISMATCH.has(code) && !STALE_HANDLE.has(code);
        if (STALE_HANDLE.has(code) && attempt === 0) {
          token.forgetCopy(ref.objectId);
          continue;
        }
        throw err;
      } finally {
        lease.done(broken);
      }
    }
  }

  /** The token's copy of the key object: found by CKA_ID, or unwrapped from its material. */
  private copyOn(token: Token, ref: MaterialRef): Handle {
    const cached = token.cachedCopy(ref.objectId);
    if (cached) return cached;
    const lib = pkcs11js();
    let [handle] = token.find(copyTemplate(ref.objectId));
    if (!handle) {
      const { wrappingKeyId, wrapped } = parseMaterial(ref);
      if (wrappingKeyId !== this.wrapping.id) {
        throw new EngineUnavailableError(`key object 0x${ref.objectId} is wrapped under wrapping key ${wrappingKeyId}, which the configured tokens do not hold (theirs is ${this.wrapping.id})`);
      }
      handle = token.api.C_UnwrapKey(token.anchor, { mechanism: lib.CKM_AES_KEY_WRAP_PAD }, this.wrapping.on(token), wrapped, [
        ...copyTemplate(ref.objectId),
        { type: lib.CKA_LABEL, value: ref.label ?? ref.objectId },
        ...gcmOnlyKeyAttributes(),
      ]);
    }
    token.rememberCopy(ref.objectId, handle);
    return handle;
  }

  private removeCopies(token: Token, objectId: string): void {
    token.forgetCopy(objectId);
    for (const handle of token.find(copyTemplate(objectId))) token.destroyObject(handle);
  }

  /** CKA_CHECK_VALUE where the token keeps it (PKCS#11 2.40); otherwise AES-ECB of a zero block, which is what it is. */
  private checkValue(token: Token, key: Handle): string {
    const lib = pkcs11js();
    try {
      const kept = token.value(key, lib.CKA_CHECK_VALUE);
      if (kept.length >= 3) return kept.subarray(0, 3).toString('hex');
    } catch {
      // Not kept: computed below.
    }
    token.api.C_EncryptInit(token.anchor, { mechanism: lib.CKM_AES_ECB }, key);
    return token.api.C_Encrypt(token.anchor, Buffer.alloc(16), Buffer.alloc(16)).subarray(0, 3).toString('hex');
  }
}

/** A PKCS#11 failure of a token as the engine reports it: the HSM refused (a token gone, a device error…). */
function refused(err: unknown): unknown {
  const code = ckr(err);
  return code ? new EngineUnavailableError(`the PKCS#11 token refused the call (${code})`) : err;
}

function copyTemplate(objectId: string): Pkcs11js.Template {
  const lib = pkcs11js();
  return [
    { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
    { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
    { type: lib.CKA_TOKEN, value: true },
    { type: lib.CKA_ID, value: Buffer.from(objectId, 'hex') },
  ];
}

function parseMaterial(ref: MaterialRef): { wrappingKeyId: string; wrapped: Buffer } {
  const m = MATERIAL.exec(ref.material);
  if (!m) throw new EngineUnavailableError(`the material of key object 0x${ref.objectId} was not made by the PKCS#11 engine`);
  return { wrappingKeyId: m[1]!, wrapped: Buffer.from(m[2]!, 'base64') };
}
