import cloudtrailModel from '../../protocol/models/cloudtrail.json' with { type: 'json' };
import {
  InvalidEventCategoryException,
  InvalidLookupAttributesException,
  InvalidMaxResultsException,
  UnsupportedOperationException,
} from '../../audit/errors.js';
import type { AuditServices } from '../../audit/services.js';
import type { AwsError } from '../../core/aws-error.js';
import type { ServiceModel } from '../../protocol/model.js';
import type { CloudTrailOperations } from '../../protocol/models/cloudtrail.types.js';
import { operationMap, type ServiceDefinition } from '../../protocol/service.js';
import { formatViolations, type Violation } from '../../protocol/validation.js';
import { lookupEvents } from './lookup-events.js';

/**
 * AWS CloudTrail on the same endpoint, signed for `cloudtrail`: LookupEvents over the audit trail
 * (`aws cloudtrail lookup-events`). Trails, event data stores and the rest of CloudTrail are not
 * Keywarden's business: their operations answer UnsupportedOperationException.
 */
export const cloudTrailService: ServiceDefinition<AuditServices> = {
  targetPrefix: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101',
  // What the AWS SDK for JavaScript v3 sends (the Smithy service shape's name); AWS takes both.
  targetAliases: ['CloudTrail_20131101'],
  signingName: 'cloudtrail',
  model: cloudtrailModel as ServiceModel,
  messageMember: 'message',
  iam: { prefix: 'cloudtrail', decidesAlone: () => true },
  operations: operationMap<AuditServices, CloudTrailOperations>([lookupEvents]),
  notImplemented: (operation) =>
    new UnsupportedOperationException(
      `Keywarden answers only LookupEvents of the CloudTrail API (its audit trail); ${operation} is not supported.`,
    ),
  rejectInput,
};

/**
 * LookupEvents answers out-of-range input with its own modelled exceptions (the API reference
 * describes each as thrown for "a lookup attribute / limit / event category that is not valid")
 * rather than a ValidationException; the message is the constraint Coral would have quoted.
 */
function rejectInput(operation: string, violations: readonly Violation[]): AwsError | undefined {
  if (operation !== 'LookupEvents') return undefined;
  const message = formatViolations(violations);
  const paths = violations.map((v) => v.path);
  if (paths.some((p) => p.startsWith('lookupAttributes'))) return new InvalidLookupAttributesException(message);
  if (paths.includes('maxResults')) return new InvalidMaxResultsException(message);
  if (paths.includes('eventCategory')) return new InvalidEventCategoryException(message);
  return undefined;
}
