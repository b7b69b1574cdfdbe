import { AwsError } from '../core/aws-error.js';

// CloudTrail's modelled exceptions for LookupEvents (all HTTP 400), and the one for the rest of
// its operations. The class name is the wire `__type`.

export class InvalidLookupAttributesException extends AwsError {}
export class InvalidTimeRangeException extends AwsError {}
export class InvalidMaxResultsException extends AwsError {}
export class InvalidNextTokenException extends AwsError {}
export class InvalidEventCategoryException extends AwsError {}
export class UnsupportedOperationException extends AwsError {}
export class OperationNotPermittedException extends AwsError {}
