// A custom key store's connection state and ConnectionErrorCode in words: what the code means
// and the repair the troubleshooting guide ("How to fix a connection failure") gives for it.

/** @type {Record<string, { cause: string, repair: string }>} */
export const CONNECTION_ERRORS = {
  CLUSTER_NOT_FOUND: {
    cause: 'The CloudHSM cluster that the key store names cannot be found: the cluster id is wrong, or the cluster was deleted and not replaced.',
    repair:
      'Check the cluster id on the Clusters page. If the cluster is gone, create a cluster from a recent backup of it, then disconnect the key store, set its cluster id to the new cluster and connect again.',
  },
  INSUFFICIENT_CLOUDHSM_HSMS: {
    cause: 'The cluster has no active HSM. A key store can connect only to a cluster with at least one.',
    repair: 'Add an HSM to the cluster (two, in different Availability Zones, are better), disconnect the key store and connect it again.',
  },
  INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: {
    cause: 'A private subnet of the cluster has no free IP address left. Connecting takes one free address in each of the cluster\'s subnets (two are better).',
    repair:
      'Free addresses in that subnet, or create a cluster from the most recent backup in subnets with room; then disconnect the key store, set its cluster id to the new cluster and connect again.',
  },
  INTERNAL_ERROR: {
    cause: 'The connection attempt ended on an internal error of the service.',
    repair: 'Disconnect the key store, then connect it again.',
  },
  INVALID_CREDENTIALS: {
    cause: 'The service cannot log in to the cluster as kmsuser: the password the key store holds is not kmsuser\'s password in the cluster.',
    repair:
      'Disconnect the key store, set kmsuser\'s password in the cluster to a value you know (CloudHSM CLI: user change-password), update the key store\'s kmsuser password to the same value, and connect again.',
  },
  NETWORK_ERRORS: {
    cause: 'The service could not reach the cluster\'s HSMs over the network. This is often transient; if it persists, a security group or network ACL of the cluster\'s VPC is blocking the traffic.',
    repair:
      'Disconnect the key store, wait a few minutes and connect again. If it fails again, check the security group and network ACL rules of the cluster\'s VPC.',
  },
  SUBNET_NOT_FOUND: {
    cause: 'At least one subnet in the cluster\'s configuration has been deleted.',
    repair:
      'Create a cluster from a recent backup of this cluster (it gets a VPC and subnets of its own), then disconnect the key store, set its cluster id to the new cluster and connect again.',
  },
  USER_LOCKED_OUT: {
    cause: 'kmsuser is locked out of the cluster after too many failed logins.',
    repair:
      'Disconnect the key store, change kmsuser\'s password in the cluster (CloudHSM CLI: user change-password), update the key store\'s kmsuser password to match, and connect again.',
  },
  USER_LOGGED_IN: {
    cause: 'kmsuser is logged in to the cluster, so the service can neither rotate its password nor log in itself.',
    repair:
      'Log kmsuser out of the cluster. If you changed its password to log in, update the key store\'s kmsuser password too. Then disconnect the key store and connect again.',
  },
  USER_NOT_FOUND: {
    cause: 'The cluster has no kmsuser crypto user.',
    repair: 'Create kmsuser as a crypto user in the cluster, update the key store\'s kmsuser password to its password, and connect again.',
  },
};

/** @type {Record<string, string>} */
export const CONNECTION_STATES = {
  CONNECTED: 'Connected: its KMS keys can be used.',
  CONNECTING: 'Connecting: the service is logging in to the cluster. This takes a while; the page follows it.',
  DISCONNECTING: 'Disconnecting.',
  DISCONNECTED: 'Disconnected: its KMS keys are Unavailable until it is connected.',
  FAILED: 'The last connection attempt failed. Disconnect the key store before connecting it again.',
};

/** The meaning of a code, and something for a code this console does not know. */
export function connectionError(code) {
  return CONNECTION_ERRORS[code] ?? { cause: `The connection failed with ${code}.`, repair: 'Disconnect the key store and connect it again.' };
}
