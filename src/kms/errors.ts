import { AwsError, AwsServerError } from '../core/aws-error.js';

// One class per KMS error name in the service model; the class name is the wire __type.

export class AlreadyExistsException extends AwsError {}
export class CloudHsmClusterInUseException extends AwsError {}
export class CloudHsmClusterInvalidConfigurationException extends AwsError {}
export class CloudHsmClusterNotActiveException extends AwsError {}
export class CloudHsmClusterNotFoundException extends AwsError {}
export class CloudHsmClusterNotRelatedException extends AwsError {}
export class ConflictException extends AwsError {}
export class CustomKeyStoreHasCMKsException extends AwsError {}
export class CustomKeyStoreInvalidStateException extends AwsError {}
export class CustomKeyStoreNameInUseException extends AwsError {}
export class CustomKeyStoreNotFoundException extends AwsError {}
export class DependencyTimeoutException extends AwsServerError {}
export class DisabledException extends AwsError {}
/** AWS's Smithy model gives 412, but the answers recorded from AWS carry 400 like any client error. */
export class DryRunOperationException extends AwsError {}
export class ExpiredImportTokenException extends AwsError {}
export class IncorrectKeyException extends AwsError {}
export class IncorrectKeyMaterialException extends AwsError {}
export class IncorrectTrustAnchorException extends AwsError {}
export class InvalidAliasNameException extends AwsError {}
export class InvalidArnException extends AwsError {}
export class InvalidCiphertextException extends AwsError {}
export class InvalidGrantIdException extends AwsError {}
export class InvalidGrantTokenException extends AwsError {}
export class InvalidImportTokenException extends AwsError {}
export class InvalidKeyUsageException extends AwsError {}
export class InvalidMarkerException extends AwsError {}
export class KMSInternalException extends AwsServerError {}
export class KMSInvalidMacException extends AwsError {}
export class KMSInvalidSignatureException extends AwsError {}
export class KMSInvalidStateException extends AwsError {}
export class KeyUnavailableException extends AwsServerError {}
export class LimitExceededException extends AwsError {}
export class MalformedPolicyDocumentException extends AwsError {}
/** Not in the KMS model, but what KMS answers for names under the reserved `alias/aws/` prefix. */
export class NotAuthorizedException extends AwsError {}
export class NotFoundException extends AwsError {}
export class TagException extends AwsError {}
export class UnsupportedOperationException extends AwsError {}

/** What every operation with a DryRun member answers once all its checks have passed. */
export const dryRunSucceeded = () => new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
