import { createPrivateKey } from 'node:crypto';
import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { ExpiredImportTokenException, IncorrectKeyMaterialException, InvalidImportTokenException, NotFoundException, UnsupportedOperationException } from './errors.js';
import type { ImportTokens } from './import-tokens.js';
import { checkWrapping, newWrappingKeyPair, unwrapMaterial, type WrappingAlgorithm, type WrappingKeySpec } from './import-wrapping.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { keyArn, type ExpirationModel, type KeyRecord } from './key.js';
import { resolveKey } from './key-resolver.js';
import { keySpecEntry } from './key-specs.js';
import { fitMaterial } from './import-fit.js';
import type { KeyService } from './keys.js';
import { checkSameMaterial } from './multi-region.js';
import { invalidCiphertext } from './key-vault.js';

/** How long GetParametersForImport's public key and token can be used (ParametersValidTo). */
export const IMPORT_PARAMETERS_LIFETIME_MS = DAY_MS;

export interface ImportRequest {
  keyId: string;
  importToken: Buffer;
  encryptedKeyMaterial: Buffer;
  validTo?: number;
  expirationModel?: ExpirationModel;
  importType?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';
  keyMaterialId?: string;
}

/** Keys with Origin EXTERNAL: wrapping parameters, importing their material, deleting it. */
export class ImportedMaterialService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
    private readonly tokens: ImportTokens,
  ) {}

  async parametersFor(caller: Caller, keyId: string, algorithm: WrappingAlgorithm, spec: WrappingKeySpec) {
    const view = await this.keys.usable(caller, keyId, 'GetParametersForImport', 'keyOnly');
    checkExternal(view.key, view.arn);
    checkWrapping(algorithm, spec);
    const pair = await newWrappingKeyPair(spec);
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
      material = unwrapMaterial(params.algorithm, createPrivateKey({ key: params.privateKey, format: 'der', type: 'pkcs8' }), req.encryptedKeyMaterial);
    } finally {
      params.privateKey.fill(0);
    }
    if (!material) throw invalidCiphertext();
    try {
      const fitted = fitMaterial(keySpecEntry(found.keySpec), material);
      const materialId = this.tokens.fingerprint(found.keyId, fitted.secret);
      // Related multi-Region keys share their id, so the same material has the same digest in each.
      await checkSameMaterial(this.deps.store, found, materialId);
      const sealed = this.deps.vault.importedMaterial(found.keyId, 1, fitted.secret, materialId, now);
      fitted.secret.fill(0);
      if (fitted.publicKey) sealed.publicKey = fitted.publicKey.toString('base64');
      const updated = await this.deps.store.keys.update(found, found.keyId, (k) => {
        checkKeyState('ImportKeyMaterial', k.state, arn);
        const previous = k.materials[0];
        if (previous) {
          if (req.importType === 'NEW_KEY_MATERIAL') {
            throw new UnsupportedOperationException(`${arn}: importing NEW_KEY_MATERIAL for rotation is not supported by Keywarden yet.`);
          }
          // AWS requires the material a key was first given, so that its ciphertexts stay readable.
          if (previous.materialId !== materialId) {
            throw new IncorrectKeyMaterialException('The key material being imported is not the key material previously imported into this KMS key.');
          }
        }
        if (req.keyMaterialId !== undefined && req.keyMaterialId !== materialId) {
          throw new IncorrectKeyMaterialException(`The key material being imported does not have the KeyMaterialId ${req.keyMaterialId}.`);
        }
        const imported = req.validTo === undefined ? { expirationModel } : { expirationModel, validTo: req.validTo };
        return {
          ...k,
          state: k.state === 'PendingImport' ? 'Enabled' : k.state,
          materials: [previous ? { ...sealed, createdAt: previous.createdAt } : sealed],
          imported,
        };
      });
      if (!updated) throw new NotFoundException(`Key '${arn}' does not exist`);
      return { keyId: found.keyId, materialId };
    } finally {
      material.fill(0);
    }
  }

  async deleteMaterial(caller: Caller, keyId: string, keyMaterialId?: string) {
    const found = await this.resolve(caller, keyId, 'DeleteImportedKeyMaterial');
    const arn = keyArn(found, found.keyId);
    let materialId: string | undefined;
    const updated = await this.deps.store.keys.update(found, found.keyId, (k) => {
      checkKeyState('DeleteImportedKeyMaterial', k.state, arn);
      materialId = k.materials[0]?.materialId;
      if (keyMaterialId !== undefined && keyMaterialId !== materialId) {
        throw new NotFoundException(`Key material ${keyMaterialId} does not exist in ${arn}.`);
      }
      return withoutMaterial(k);
    });
    if (!updated) throw new NotFoundException(`Key '${arn}' does not exist`);
    this.deps.vault.forget(found.keyId, updated.materials);
    return { keyId: found.keyId, arn, materialId };
  }

  /**
   * Deletes the imported material whose ValidTo has passed, as KMS does by itself, and records
   * the DeleteExpiredKeyMaterial service event for each key. Runs on the service's schedule and
   * right after the clock moves. The due check is repeated inside each key's transaction, so a
   * re-import with a later ValidTo meanwhile keeps its material.
   */
  async expireDue(): Promise<number> {
    const now = this.deps.clock.now();
    let expired = 0;
    for (const due of await this.deps.store.keys.dueForMaterialExpiry(now)) {
      let changed = false;
      const updated = await this.deps.store.keys.update(due, due.keyId, (k) => {
        changed = k.imported?.validTo !== undefined && k.imported.validTo <= now;
        return changed ? withoutMaterial(k) : k;
      });
      if (!updated || !changed) continue;
      expired++;
      this.deps.vault.forget(updated.keyId, updated.materials);
      const arn = keyArn(updated, updated.keyId);
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
      });
    }
    return expired;
  }

  private async resolve(caller: Caller, keyId: string, operation: KeyStateOperation): Promise<KeyRecord> {
    const found = await resolveKey(this.deps, caller, keyId, 'keyOnly', operation);
    checkExternal(found, keyArn(found, found.keyId));
    return found;
  }
}

/** The key once its imported material is gone: unusable until the same material is imported again. */
export function withoutMaterial(k: KeyRecord): KeyRecord {
  const { imported: _gone, ...rest } = k;
  return {
    ...rest,
    state: k.state === 'PendingDeletion' ? k.state : 'PendingImport',
    materials: k.materials.map((m) => ({ ...m, wrapped: '' })),
  };
}

function checkExternal(key: KeyRecord, arn: string): void {
  if (key.origin !== 'EXTERNAL') throw new UnsupportedOperationException(`${arn} origin is ${key.origin} which is not valid for this operation.`);
}
