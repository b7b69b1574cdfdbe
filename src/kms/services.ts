import { AliasService } from './aliases.js';
import { KeyAuthorizer } from './authorization.js';
import { GrantTokens } from './grant-tokens.js';
import { ImportTokens } from './import-tokens.js';
import { ImportedMaterialService } from './imported-material.js';
import type { KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { DataKeyPairService } from './data-key-pairs.js';
import { GrantService } from './grants.js';
import { KeyAgreementService } from './key-agreement.js';
import { KeyService } from './keys.js';
import { KeyUsageService, type KeyUsageOptions } from './key-usage.js';
import { MacService } from './mac.js';
import { MultiRegionService } from './multi-region.js';
import { RotationService } from './rotation.js';
import { SigningService } from './signing.js';

/** The KMS domain, as the operations see it. */
export interface KmsServices {
  keys: KeyService;
  crypto: CryptoService;
  aliases: AliasService;
  rotation: RotationService;
  signing: SigningService;
  mac: MacService;
  dataKeyPairs: DataKeyPairService;
  keyAgreement: KeyAgreementService;
  grants: GrantService;
  usage: KeyUsageService;
  imports: ImportedMaterialService;
  multiRegion: MultiRegionService;
}

export function createKmsServices(given: KmsDeps, options: { usage?: KeyUsageOptions } = {}): KmsServices {
  // Without a configured secret (domain tests), grant tokens are good for this process only.
  const grantTokens = given.grantTokens ?? new GrantTokens(given.random.bytes(32), given.random);
  const deps: KmsDeps = { ...given, grantTokens, authorizer: new KeyAuthorizer({ store: given.store, clock: given.clock, grantTokens }) };
  const keys = new KeyService(deps);
  const crypto = new CryptoService(deps, keys);
  return {
    keys,
    crypto,
    aliases: new AliasService(deps, keys),
    rotation: new RotationService(deps, keys),
    signing: new SigningService(deps, keys),
    mac: new MacService(deps, keys),
    dataKeyPairs: new DataKeyPairService(deps, crypto),
    keyAgreement: new KeyAgreementService(deps, keys),
    grants: new GrantService(deps, keys),
    usage: new KeyUsageService(deps, options.usage),
    imports: new ImportedMaterialService(deps, keys, given.importTokens ?? new ImportTokens(given.random.bytes(32), given.random)),
    multiRegion: new MultiRegionService(deps, keys),
  };
}
