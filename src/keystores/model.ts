import type { ConnectionState } from '../kms/custom-key-store-port.js';

export type { ConnectionState };

/** Why a connection attempt ended FAILED: the ten codes of an AWS CloudHSM key store. */
export type ConnectionErrorCode =
  | 'CLUSTER_NOT_FOUND'
  | 'INSUFFICIENT_CLOUDHSM_HSMS'
  | 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET'
  | 'INTERNAL_ERROR'
  | 'INVALID_CREDENTIALS'
  | 'NETWORK_ERRORS'
  | 'SUBNET_NOT_FOUND'
  | 'USER_LOCKED_OUT'
  | 'USER_LOGGED_IN'
  | 'USER_NOT_FOUND';

export interface Scope {
  accountId: string;
  region: string;
}

/** A custom key store of type AWS_CLOUDHSM, as the service keeps it. */
export interface CustomKeyStoreRecord extends Scope {
  /** `cks-` and 17 hex digits. */
  customKeyStoreId: string;
  name: string;
  type: 'AWS_CLOUDHSM';
  clusterId: string;
  /**
   * The backup history of the cluster the store was created with: any cluster that replaces it
   * must share it, even after the original cluster is gone (the recovery procedure's case).
   */
  lineageId: string;
  /** The trust anchor certificate (customerCA.crt PEM) given at creation. */
  trustAnchor: string;
  /** The kmsuser password the service believes is current, sealed under the root key (base64). */
  sealedPassword: string;
  /**
   * A kmsuser password the service is setting in the cluster and has not yet recorded as current,
   * sealed the same way: recorded before the cluster is changed, so that a crash in between leaves
   * a password that works. The next connection attempt settles which of the two the cluster has.
   */
  sealedPendingPassword?: string;
  connectionState: ConnectionState;
  /** Only while FAILED. */
  connectionErrorCode?: ConnectionErrorCode;
  createdAt: number;
  /**
   * Counts ConnectCustomKeyStore and DisconnectCustomKeyStore calls that changed the state. A
   * connection attempt records its outcome only if no such call came after the one it serves.
   */
  attempt: number;
  /** While CONNECTING: when the attempt is due (the call's time plus the configured connect delay). */
  connectAt?: number;
  /** The kmsuser login session the service holds in the cluster while CONNECTED, sealed (base64). */
  sealedSession?: string;
}
