import type { Random } from '../core/random.js';
import { EngineAuthError, EngineBusyError, EngineUnavailableError, type HsmEngine, type Placement } from './hsm-engine.js';
import type { ClusterContents } from './content.js';
import { HsmAccessDenied, HsmInvalidRequest, HsmNotFound, HsmUnavailable } from './hsm-errors.js';
import { canUse } from './key-objects.js';
import type { ClusterRecord, KeyObject, Scope } from './model.js';
import { activeHsms, type HsmSessions, noSessions } from './sessions.js';

const IV_BYTES = 12;

/** AES-GCM output of a key object: what the caller stores to decrypt later. */
export interface Sealed {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * Cryptography with a key object, performed inside its cluster: what KMS calls for a key in a
 * custom key store. Each call needs a logged-in crypto user who owns or shares the key (KMS:
 * kmsuser), a cluster with an ACTIVE HSM, and a free session; each failure is an Hsm* error whose
 * `reason` says which (KEY_NOT_FOUND when the backing key was deleted, NO_ACTIVE_HSM, NO_SESSIONS…).
 */
export class ClusterCrypto {
  constructor(private readonly deps: { contents: ClusterContents; sessions: HsmSessions; engine: HsmEngine; random: Random }) {}

  /**
   * AES-GCM under the key object whose `id` attribute is `objectId` (hex). The IV is the caller's
   * when given, as a PKCS#11 caller passes it in the mechanism parameters (KMS does, so that the
   * IV can sit in its authenticated ciphertext header); otherwise the HSM picks a random one.
   */
  async encrypt(scope: Scope, clusterId: string, sessionId: string, objectId: string, plaintext: Buffer, aad: Buffer = Buffer.alloc(0), iv?: Buffer): Promise<Sealed> {
    if (iv !== undefined && iv.length !== IV_BYTES) throw new HsmInvalidRequest('INVALID_INPUT', `An AES-GCM IV is ${IV_BYTES} bytes long, not ${iv.length}.`);
    const { cluster, key } = await this.usable(scope, clusterId, sessionId, objectId);
    iv ??= this.deps.random.bytes(IV_BYTES);
    const out = await this.deps.sessions.withOperation(cluster, () => engineCall(cluster, () => this.deps.engine.encrypt(ref(key), plaintext, iv, aad, placement(cluster, sessionId))));
    return { iv, ciphertext: out.ciphertext, tag: out.tag };
  }

  /** HsmInvalidRequest (INVALID_CIPHERTEXT) when the ciphertext, tag or associated data do not verify. */
  async decrypt(scope: Scope, clusterId: string, sessionId: string, objectId: string, sealed: Sealed, aad: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const { cluster, key } = await this.usable(scope, clusterId, sessionId, objectId);
    try {
      return await this.deps.sessions.withOperation(cluster, () =>
        engineCall(cluster, () => this.deps.engine.decrypt(ref(key), sealed.ciphertext, sealed.iv, aad, sealed.tag, placement(cluster, sessionId))),
      );
    } catch (err) {
      if (err instanceof EngineAuthError) throw new HsmInvalidRequest('INVALID_CIPHERTEXT', `The ciphertext does not verify under key object 0x${objectId}.`);
      throw err;
    }
  }

  /** Random bytes from the cluster's HSMs (a logged-in session is needed, as for any PKCS#11 call). */
  async random(scope: Scope, clusterId: string, sessionId: string, n: number): Promise<Buffer> {
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new HsmInvalidRequest('INVALID_INPUT', 'Ask for 1 to 1024 random bytes.');
    const { cluster } = await this.deps.contents.serving(scope, clusterId);
    await this.deps.sessions.require(clusterId, sessionId);
    return this.deps.sessions.withOperation(cluster, () => engineCall(cluster, () => this.deps.engine.random(n, placement(cluster, sessionId))));
  }

  private async usable(scope: Scope, clusterId: string, sessionId: string, objectId: string): Promise<{ cluster: ClusterRecord; key: KeyObject }> {
    const { cluster, content } = await this.deps.contents.serving(scope, clusterId);
    const session = await this.deps.sessions.require(clusterId, sessionId);
    const user = content.users.find((u) => u.username === session.username);
    if (!user || user.role !== 'crypto-user') {
      throw new HsmAccessDenied('PERMISSION_DENIED', `Only a crypto user can use keys; this session is ${session.username} (${user?.role ?? 'deleted'}).`);
    }
    // A user locked by failed logins elsewhere cannot use keys through a session it already holds
    // either: how the KMS error "the kmsuser is locked out" arises while a key store is connected.
    if (user.locked) {
      throw new HsmAccessDenied('USER_LOCKED_OUT', `${user.username} is locked after too many failed logins; an admin must set a new password (user change-password) to unlock it.`);
    }
    const id = objectId.toLowerCase().replace(/^0x/, '');
    const key = content.keys.find((k) => k.id === id);
    if (!key) throw new HsmNotFound('KEY_NOT_FOUND', `Cluster ${clusterId} holds no key object with id 0x${id}.`);
    if (!canUse(key, user.username)) throw new HsmAccessDenied('KEY_ACCESS_DENIED', `${user.username} neither owns nor shares key object 0x${id}.`);
    if (key.engine !== this.deps.engine.name) {
      throw new HsmUnavailable('ENGINE_UNAVAILABLE', `Key object 0x${id} lives in the ${key.engine} engine, which this service does not run.`);
    }
    return { cluster, key };
  }
}

const ref = (key: KeyObject) => ({ objectId: key.id, material: key.material, label: key.label });

/** Where an engine call runs: the cluster's ACTIVE HSMs, for the login session `session`. */
export const placement = (cluster: ClusterRecord, session?: string): Placement => ({ hsms: activeHsms(cluster).map((h) => h.hsmId), session });

/**
 * An engine call, with the engine's refusals as the HSM errors they are: no session left on the
 * HSM (the PKCS#11 token's own limit) is the same NO_SESSIONS as the cluster's, so KMS answers it
 * the same way; an HSM the engine cannot serve is unavailable.
 */
export async function engineCall<T>(cluster: ClusterRecord, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EngineBusyError) throw noSessions(cluster, undefined, err.message);
    if (err instanceof EngineUnavailableError) throw new HsmUnavailable('ENGINE_UNAVAILABLE', err.message);
    throw err;
  }
}
