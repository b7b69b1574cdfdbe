import type { CallerIdentity } from '../authz/index.js';
import type { Clock } from '../core/clock.js';
import type { ServiceEventSink } from '../core/events.js';
import type { Random } from '../core/random.js';
import type { CustomKeyStorePort } from './custom-key-store-port.js';
import type { KeyBackends } from './key-backends.js';
import type { KeyAuthorizer } from './authorization.js';
import type { GrantTokens } from './grant-tokens.js';
import type { ImportTokens } from './import-tokens.js';
import type { WrappingKeyPair, WrappingKeySpec } from './import-wrapping.js';
import type { Scope } from './key.js';
import type { KmsStore } from './repository.js';

/** Who is calling: the account and region of the request, and the principal that signed it. */
export interface Caller extends Scope {
  principalArn: string;
  /**
   * The signer as authorization sees it. Absent when the call is not a request (the service's
   * own work, domain tests): nothing is then checked.
   */
  identity?: CallerIdentity;
  /** The request's parameters as decoded from the wire, where condition keys read their values. */
  parameters?: Record<string, unknown>;
  sourceIp?: string;
  secureTransport?: boolean;
}

/** What every KMS domain service is built from. */
export interface KmsDeps {
  store: KmsStore;
  clock: Clock;
  random: Random;
  /** Where each key's material lives and its cryptography runs. */
  backends: KeyBackends;
  /** Where what KMS does on its own is reported (RotateKey); nowhere when absent. */
  events?: ServiceEventSink;
  /** The status of custom key stores and their random bytes (keystores/ implements the port); none when absent. */
  customKeyStores?: CustomKeyStorePort;
  /** Issues and reads grant tokens under the service's secret; a secret for this process only when absent. */
  grantTokens?: GrantTokens;
  /** Seals import tokens under the service's secret; a secret for this process only when absent. */
  importTokens?: ImportTokens;
  /** Checks every key a request resolves against its policies and grants; createKmsServices makes it. */
  authorizer?: KeyAuthorizer;
  /**
   * Makes the wrapping key pair each GetParametersForImport call hands out; a fresh one per call
   * (newWrappingKeyPair) when absent. Unit tests that need no fresh pair pass one made once.
   */
  wrappingKeyPairs?: (spec: WrappingKeySpec) => Promise<WrappingKeyPair>;
}
