import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import {
  ExpiredImportTokenException,
  IncorrectKeyMaterialException,
  InvalidImportTokenException,
  KMSInvalidStateException,
  NotFoundException,
  UnsupportedOperationException,
} from './errors.js';
import type { ImportTokens } from './import-tokens.js';
import { checkWrapping, newWrappingKeyPair, unwrapMaterial, type WrappingAlgorithm, type WrappingKeySpec } from './import-wrapping.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { currentMaterial, keyArn, type ExpirationModel, type ImportedMaterial, type KeyMaterial, type KeyRecord } from './key.js';
import { allMaterials, holdsAllMaterials, withoutMaterial } from './key-materials.js';
import { resolveKey } from './key-resolver.js';
import { isSymmetricEncryption, keySpecEntry } from './key-specs.js';
import { fitMaterial } from './import-fit.js';
import type { KeyService } from './keys.js';
import { checkSameMaterial } from './multi-region.js';
import { invalidCiphertext } from './ciphertext.js';

/** How long GetParametersForImport's public key and token can be used (ParametersValidTo). */
export const IMPORT_PARAMETERS_LIFETIME_MS = DAY_MS;

export type ImportType = 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';

export interface ImportRequest {
  keyId: string;
  importToken: Buffer;
  encryptedKeyMaterial: Buffer;
  validTo?: number;
  expirationModel?: ExpirationModel;
  importType?: ImportType;
  keyMaterialId?: string;
  description?: string;
}

/** What ImportKeyMaterial does with material whose id is known, inside the key's transaction. */
interface Arrival {
  materialId: string;
  imported: ImportedMaterial;
  description?: string;
  importType?: ImportType;
  /** Seals the material as the key's material of this version. */
  seal: (version: number) => KeyMaterial;
}

/**
 * Keys with Origin EXTERNAL: wrapping parameters, importing their material (the first, the same
 * again, or new material for on-demand rotation of a symmetric key), deleting it, and its expiry.
 */
export class ImportedMaterialService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
    private readonly tokens: ImportTokens,
  ) {}

  async parametersFor(caller: Caller, keyId: string, algorithm: WrappingAlgorithm, spec: WrappingKeySpec) {
    const view = await this.keys.usable(caller, keyId, 'GetParametersForImport', 'keyOnly');
    checkExternal(view.key, view.arn);
    checkWrapping(algorithm, spec, caller.region);
    const pair = await (this.deps.wrappingKeyPairs ?? newWrappingKeyPair)(spec);
    const validTo = this.deps.clock.now() + IMPORT_PARAMETERS_LIFETIME_MS;
    const importToken = this.tokens.issue(view.arn, { algorithm, privateKey: pair.privateKey, validTo });
    pair.privateKey.fill(0);
    return { view, publicKey: pair.publicKey, importToken, validTo };
  }

  async importMaterial(caller: Caller, req: ImportRequest) {
    const expirationModel = req.expirationModel ?? 'KEY_MATERIAL_EXPIRES';
    if (expirationModel === 'KEY_MATERIAL_EXPIRES' && req.validTo === undefined) {
      throw new ValidationException('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    }
    if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE' && req.validTo !== undefined) {
      throw new ValidationException('A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
    }
    if (req.importType === 'NEW_KEY_MATERIAL' && req.keyMaterialId !== undefined) {
      throw new ValidationException('A KeyMaterialId cannot be specified when the ImportType is NEW_KEY_MATERIAL');
    }
    const now = this.deps.clock.now();
    if (req.validTo !== undefined && (req.validTo <= now || req.validTo > now + 365 * DAY_MS)) {
      throw new ValidationException('ValidTo must be in the future and no more than 365 days from now.');
    }
    const found = await this.resolve(caller, req.keyId, 'ImportKeyMaterial');
    const arn = keyArn(found, found.keyId);
    const params = this.tokens.open(arn, req.importToken);
    if (!params) throw new InvalidImportTokenException('The import token is invalid or was issued for another KMS key.');
    if (params.validTo <= now) throw new ExpiredImportTokenException('The import token has expired. Call GetParametersForImport for a new one.');
    let material: Buffer | undefined;
    try {
      material = unwrapMaterial(params.algorithm, params.privateKey, req.encryptedKeyMaterial);
    } finally {
      params.privateKey.fill(0);
    }
    if (!material) throw invalidCiphertext();
    let fitted: ReturnType<typeof fitMaterial>;
    try {
      fitted = fitMaterial(keySpecEntry(found.keySpec), material);
    } finally {
      material.fill(0);
    }
    try {
      const materialId = this.tokens.fingerprint(found.keyId, fitted.secret);
      // Related multi-Region keys share their id, so the same material has the same digest in each.
      await checkSameMaterial(this.deps.store, found, materialId);
      if (req.keyMaterialId !== undefined && req.keyMaterialId !== materialId) {
        throw new IncorrectKeyMaterialException(`The key material being imported does not have the KeyMaterialId ${req.keyMaterialId}.`);
      }
      const arrival: Arrival = {
        materialId,
        imported: req.validTo === undefined ? { expirationModel } : { expirationModel, validTo: req.validTo },
        seal: (version) => {
          const sealed = this.deps.backends.service.importedMaterial(found.keyId, version, fitted.secret, materialId, now);
          if (fitted.publicKey) sealed.publicKey = fitted.publicKey.toString('base64');
          return sealed;
        },
      };
      if (req.description !== undefined) arrival.description = req.description;
      if (req.importType !== undefined) arrival.importType = req.importType;
      const updated = await this.deps.store.keys.update(found, found.keyId, (k) => {
        checkKeyState('ImportKeyMaterial', k.state, arn);
        return receive(k, arn, arrival);
      });
      if (!updated) throw new NotFoundException(`Key '${arn}' does not exist`);
      return { keyId: found.keyId, arn, materialId };
    } finally {
      fitted.secret.fill(0);
    }
  }

  /**
   * Deletes one material's bytes: the current material's unless `keyMaterialId` names another,
   * permanent or pending. Without a material to delete (a key never imported into) it changes nothing.
   */
  async deleteMaterial(caller: Caller, keyId: string, keyMaterialId?: string) {
    const found = await this.resolve(caller, keyId, 'DeleteImportedKeyMaterial');
    const arn = keyArn(found, found.keyId);
    let target: KeyMaterial | undefined;
    const updated = await this.deps.store.keys.update(found, found.keyId, (k) => {
      checkKeyState('DeleteImportedKeyMaterial', k.state, arn);
      if (keyMaterialId === undefined) {
        target = k.materials.length > 0 ? currentMaterial(k) : undefined;
      } else {
        target = allMaterials(k).find((m) => m.materialId === keyMaterialId);
        if (!target) throw new NotFoundException(`Key material ${keyMaterialId} does not exist in ${arn}.`);
      }
      return target ? withoutMaterial(k, target.materialId) : k;
    });
    if (!updated) throw new NotFoundException(`Key '${arn}' does not exist`);
    if (target) this.deps.backends.service.forget(found.keyId, [target]);
    return { keyId: found.keyId, arn, materialId: target?.materialId };
  }

  /**
   * Deletes the imported material whose ValidTo has passed, as KMS does by itself, and records a
   * DeleteExpiredKeyMaterial service event for each material. Runs on the service's schedule and
   * right after the clock moves. What is due is decided again inside each key's transaction, so a
   * re-import with a later ValidTo meanwhile keeps its material.
   */
  async expireDue(): Promise<number> {
    const now = this.deps.clock.now();
    let expired = 0;
    for (const due of await this.deps.store.keys.dueForMaterialExpiry(now)) {
      let gone: KeyMaterial[] = [];
      const updated = await this.deps.store.keys.update(due, due.keyId, (k) => {
        gone = allMaterials(k).filter((m) => m.imported?.validTo !== undefined && m.imported.validTo <= now);
        return gone.reduce((key, m) => withoutMaterial(key, m.materialId), k);
      });
      if (!updated || gone.length === 0) continue;
      this.deps.backends.service.forget(updated.keyId, gone);
      const arn = keyArn(updated, updated.keyId);
      for (const m of gone) {
        expired++;
        await this.deps.events?.emit({
          eventSource: 'kms.amazonaws.com',
          eventName: 'DeleteExpiredKeyMaterial',
          accountId: updated.accountId,
          region: updated.region,
          eventTime: now,
          requestParameters: null,
          responseElements: null,
          resources: [{ accountId: updated.accountId, type: 'AWS::KMS::Key', ARN: arn }],
          readOnly: false,
          serviceEventDetails: { keyId: updated.keyId, keyMaterialId: m.materialId },
        });
      }
    }
    return expired;
  }

  private async resolve(caller: Caller, keyId: string, operation: KeyStateOperation): Promise<KeyRecord> {
    const found = await resolveKey(this.deps, caller, keyId, 'keyOnly', operation);
    checkExternal(found, keyArn(found, found.keyId));
    return found;
  }
}

/**
 * The key once `arrival` is imported into it. ImportType defaults to NEW_KEY_MATERIAL for a key
 * that never had material and to EXISTING_KEY_MATERIAL after. New material is the key's first
 * (current at once) or, for a symmetric key that has material, waits as PENDING_ROTATION for
 * RotateKeyOnDemand. Existing material must be one the key already has, permanent or pending;
 * importing it again restores it and replaces its expiration, and its description when one is given.
 */
function receive(k: KeyRecord, arn: string, arrival: Arrival): KeyRecord {
  const importType = arrival.importType ?? (k.materials.length === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
  const known = allMaterials(k).find((m) => m.materialId === arrival.materialId);
  const made = (version: number, from?: KeyMaterial): KeyMaterial => {
    const sealed = arrival.seal(version);
    const m: KeyMaterial = { ...from, ...sealed, imported: arrival.imported };
    if (from) m.createdAt = from.createdAt;
    const description = arrival.description ?? from?.description;
    if (description !== undefined) m.description = description;
    return m;
  };
  if (importType === 'NEW_KEY_MATERIAL') {
    if (k.materials.length === 0) return { ...k, state: k.state === 'PendingImport' ? 'Enabled' : k.state, materials: [made(1)] };
    if (!isSymmetricEncryption(k.keySpec)) {
      throw new UnsupportedOperationException(
        `${arn} has KeySpec ${k.keySpec}: only symmetric encryption keys accept NEW_KEY_MATERIAL after their first import; the key material of other keys cannot change.`,
      );
    }
    if (known) {
      throw new IncorrectKeyMaterialException(
        `The key material being imported (id: ${known.materialId}) is already associated with ${arn}. To import it again, set ImportType to EXISTING_KEY_MATERIAL.`,
      );
    }
    if (k.pendingMaterial) {
      throw new KMSInvalidStateException(
        `New key material (id: ${arrival.materialId}) cannot be imported into KMS key ${arn}, because another key material (id: ${k.pendingMaterial.materialId}) is pending rotation.`,
      );
    }
    const version = Math.max(...k.materials.map((m) => m.version)) + 1;
    return { ...k, pendingMaterial: made(version) };
  }
  // AWS requires material the key already has, so that its ciphertexts stay readable.
  if (!known) throw new IncorrectKeyMaterialException('The key material being imported is not the key material previously imported into this KMS key.');
  if (known === k.pendingMaterial) return { ...k, pendingMaterial: made(known.version, known) };
  const restored = { ...k, materials: k.materials.map((m) => (m === known ? made(m.version, m) : m)) };
  return restored.state === 'PendingImport' && holdsAllMaterials(restored) ? { ...restored, state: 'Enabled' } : restored;
}

function checkExternal(key: KeyRecord, arn: string): void {
  if (key.origin !== 'EXTERNAL') throw new UnsupportedOperationException(`${arn} origin is ${key.origin} which is not valid for this operation.`);
}
