import { AwsError, AwsServerError } from '../core/aws-error.js';

// One class per CloudHSM v2 error name in the service model; the class name is the wire __type.
// Model constraint violations are the validation engine's ValidationException, not these.

export class CloudHsmAccessDeniedException extends AwsError {}
export class CloudHsmInternalFailureException extends AwsServerError {}
/** A request that is not valid for the resource's current state or for the arguments together. */
export class CloudHsmInvalidRequestException extends AwsError {}
export class CloudHsmResourceLimitExceededException extends AwsError {}
export class CloudHsmResourceNotFoundException extends AwsError {}
export class CloudHsmServiceException extends AwsError {}
export class CloudHsmTagException extends AwsError {}

// Keywarden's own network control plane (the `keywarden network` commands): the subnets that
// stand in for the account's VPC. EC2's own names (`InvalidSubnetID.NotFound`) are not class names.

export class SubnetNotFoundException extends AwsError {}
export class SubnetInUseException extends AwsError {}
