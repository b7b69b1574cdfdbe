// The messages the troubleshooting guide quotes for failures of a key in an AWS CloudHSM key
// store while the store is CONNECTED (seed 000, "How to respond to a cryptographic operation
// failure"), word for word.

export const CANNOT_COMMUNICATE =
  'KMS cannot communicate with your CloudHSM cluster. This might be a transient network issue. If you see this error repeatedly, verify that the Network ACLs and the security group rules for the VPC of your AWS CloudHSM cluster are correct.';

export const KMSUSER_LOCKED_OUT =
  'KMS cannot communicate with your AWS CloudHSM cluster because the kmsuser is locked out. If you see this error repeatedly, disconnect the AWS CloudHSM key store and reset the kmsuser account password. Update the kmsuser password for the custom key store and try the request again.';

/** KMSInternalException, so that clients back off and retry. */
export const noSessions = (clusterId: string) =>
  `The AWS CloudHSM cluster ${clusterId} has no available PKCS #11 sessions to serve this request. Back off and retry the request.`;
