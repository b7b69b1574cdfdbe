// The cluster domain's port to its HSMs' key storage: the cluster defines it, engines/ implement
// it (software.ts; a PKCS#11 engine), and app.ts picks one. hsm-engine-contract.ts is the suite
// every implementation runs.

/**
 * Where the material of a cluster's key objects lives and where cryptography with it runs. The
 * cluster model keeps, per key object, only the opaque `material` reference an engine returns.
 *
 * `software` (default) keeps the material sealed under the service's root key and computes with
 * Node's crypto; `pkcs11` keeps it on a token (SoftHSM2, a real HSM) and never lets it out.
 */
export interface HsmEngine {
  readonly name: string;
  /** New AES key material for the key object whose `id` attribute is `objectId`. */
  generateAesKey(objectId: string, sizeBytes: number): Promise<GeneratedKey>;
  /** AES-GCM with the given IV and associated data. */
  encrypt(ref: MaterialRef, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<{ ciphertext: Buffer; tag: Buffer }>;
  /** Throws EngineAuthError when the tag does not verify. */
  decrypt(ref: MaterialRef, ciphertext: Buffer, iv: Buffer, aad: Buffer, tag: Buffer): Promise<Buffer>;
  /** Releases material no key object or backup refers to any more. */
  destroy(ref: MaterialRef): Promise<void>;
  random(n: number): Promise<Buffer>;
}

export interface MaterialRef {
  objectId: string;
  material: string;
}

export interface GeneratedKey {
  material: string;
  /** Key check value: the first 3 bytes of AES-ECB over a zero block, hex. */
  checkValue: string;
}

export class EngineAuthError extends Error {}
