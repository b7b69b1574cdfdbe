import { AliasService } from './aliases.js';
import type { KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { KeyService } from './keys.js';
import { MacService } from './mac.js';
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
}

export function createKmsServices(deps: KmsDeps): KmsServices {
  const keys = new KeyService(deps);
  return {
    keys,
    crypto: new CryptoService(deps, keys),
    aliases: new AliasService(deps, keys),
    rotation: new RotationService(deps, keys),
    signing: new SigningService(deps, keys),
    mac: new MacService(deps, keys),
  };
}
