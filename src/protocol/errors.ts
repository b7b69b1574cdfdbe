import { AwsError } from '../core/aws-error.js';

export { AccessDeniedException, ValidationException } from '../core/common-errors.js';

// Errors of the AWS JSON protocol itself, shared by every service on the endpoint.

export class UnknownOperationException extends AwsError {}
export class SerializationException extends AwsError {}
export class MissingAuthenticationTokenException extends AwsError {}
export class IncompleteSignatureException extends AwsError {}
export class InvalidSignatureException extends AwsError {}
export class UnrecognizedClientException extends AwsError {}
export class RequestEntityTooLargeException extends AwsError {
  override readonly status = 413;
}
