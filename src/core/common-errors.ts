import { AwsError } from './aws-error.js';

// Errors every AWS service on the endpoint can answer with, whichever layer detects them.

export class ValidationException extends AwsError {}
export class AccessDeniedException extends AwsError {}
