import { AwsError } from '../core/aws-error.js';

// What the HSMs of a cluster answer when they refuse: the errors of Keywarden's own HSM client
// API (`KeywardenHsm`, what the CloudHSM command-line tools call) and of the domain calls KMS
// makes for keys in a custom key store. Four types on the wire; the `reason` says exactly why,
// so KMS can map a refusal to its connection error code (USER_LOCKED_OUT, USER_LOGGED_IN, …)
// and the old tools to their return codes (0xa3, 0xa8, 0xc6) without parsing messages.

export type HsmFailure =
  | 'INVALID_INPUT'
  | 'CLUSTER_NOT_FOUND'
  /** The cluster is in a state in which its HSMs serve no one (UNINITIALIZED, being created or deleted). */
  | 'CLUSTER_NOT_READY'
  | 'CLUSTER_ALREADY_ACTIVE'
  /** The cluster has no ACTIVE HSM: it keeps its users and keys but serves nothing. */
  | 'NO_ACTIVE_HSM'
  /** Every session the cluster's HSMs can hold is in use. */
  | 'NO_SESSIONS'
  | 'NOT_LOGGED_IN'
  | 'ALREADY_LOGGED_IN'
  /** Wrong password (counted towards the lockout) or a role that is not the user's. */
  | 'LOGIN_FAILED'
  | 'USER_LOCKED_OUT'
  | 'USER_NOT_FOUND'
  | 'USER_EXISTS'
  /** The user has a session open elsewhere, so its password cannot change and it cannot be deleted. */
  | 'USER_LOGGED_IN'
  | 'USER_OWNS_KEYS'
  /** The caller's role may not run the command. */
  | 'PERMISSION_DENIED'
  | 'KEY_NOT_FOUND'
  /** The caller neither owns nor shares the key (or must own it and only shares it). */
  | 'KEY_ACCESS_DENIED'
  | 'AMBIGUOUS_FILTER'
  | 'INVALID_CIPHERTEXT'
  | 'ENGINE_UNAVAILABLE';

abstract class HsmError extends AwsError {
  constructor(
    readonly reason: HsmFailure,
    message: string,
  ) {
    super(message);
  }
}

export class HsmInvalidRequest extends HsmError {}
export class HsmAccessDenied extends HsmError {}
export class HsmNotFound extends HsmError {}
export class HsmUnavailable extends HsmError {}

export function isHsmError(err: unknown): err is HsmError {
  return err instanceof HsmError;
}
