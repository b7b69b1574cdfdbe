import type { KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { KeyService } from './keys.js';

/** The KMS domain, as the operations see it. */
export interface KmsServices {
  keys: KeyService;
  crypto: CryptoService;
}

export function createKmsServices(deps: KmsDeps): KmsServices {
  const keys = new KeyService(deps);
  return { keys, crypto: new CryptoService(deps, keys) };
}
