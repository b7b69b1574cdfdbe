// The cluster domain's port to its HSMs' key storage: the cluster defines it, engines/ implement
// it (software.ts; a PKCS#11 engine), and app.ts picks one. hsm-engine-contract.ts is the suite
// every implementation runs.

/**
 * Where the material of a cluster's key objects lives and where cryptography with it runs. The
 * cluster model keeps, per key object, only the opaque `material` reference an engine returns.
 *
 * `software` (default) keeps the material sealed under the service's root key and computes with
 * Node's crypto; `pkcs11` keeps a copy of each key object inside the PKCS#11 token of every HSM
 * of its cluster, never lets it out in plaintext, and keeps as `material` the key wrapped under a
 * key that only its tokens hold (what a backup carries).
 *
 * `at` says where a call runs: the HSMs of the key's cluster and the login session it is made in.
 * The software engine needs neither; an engine whose HSMs are real tokens needs both.
 */
export interface HsmEngine {
  readonly name: string;
  /** New AES key material for the key object whose `id` attribute is `objectId`, on every HSM of `at`. */
  generateAesKey(objectId: string, sizeBytes: number, at?: KeyPlacement): Promise<GeneratedKey>;
  /** AES-GCM with the given IV and associated data. */
  encrypt(ref: MaterialRef, plaintext: Buffer, iv: Buffer, aad: Buffer, at?: Placement): Promise<{ ciphertext: Buffer; tag: Buffer }>;
  /** Throws EngineAuthError when the tag does not verify. */
  decrypt(ref: MaterialRef, ciphertext: Buffer, iv: Buffer, aad: Buffer, tag: Buffer, at?: Placement): Promise<Buffer>;
  /**
   * The key object left the HSMs of `at` (deleted from its cluster): their copies of it go. The
   * material itself stays usable, since backups may hold the key object and a cluster restored
   * from one must be able to use it.
   */
  destroy(ref: MaterialRef, at?: Placement): Promise<void>;
  random(n: number, at?: Placement): Promise<Buffer>;
  /** The login session `session` ended: whatever the engine held for it on the HSMs is free again. */
  release?(session: string): void;
  /** Closes what the engine opened (sessions, the PKCS#11 library). */
  close?(): Promise<void>;
}

export interface MaterialRef {
  objectId: string;
  material: string;
  /** The key object's label, which a copy made on another HSM carries too. */
  label?: string;
}

/** Where an engine call runs. */
export interface Placement {
  /** The ACTIVE HSMs of the key's cluster (ids, in the cluster's order). */
  hsms: readonly string[];
  /** The login session (KMS's kmsuser session, a CLI user's) the call is made in. */
  session?: string;
}

export interface KeyPlacement extends Placement {
  label: string;
}

export interface GeneratedKey {
  material: string;
  /** Key check value: the first 3 bytes of AES-ECB over a zero block, hex. */
  checkValue: string;
}

export class EngineAuthError extends Error {}

/** The HSM has no session left to run the call in (the PKCS#11 module's CKR_SESSION_COUNT, or the token's limit). */
export class EngineBusyError extends Error {}

/** The engine cannot reach or use the HSM the call needs (no token left for it, a token that refuses). */
export class EngineUnavailableError extends Error {}
