import { requestFacts } from '../../kms/authorization.js';
import type { IamCheck } from '../../protocol/iam.js';

/**
 * What IAM checks for the KMS operations it decides alone, as the KMS API reference lists their
 * required permissions: the alias operations need the action on the alias's ARN (the key side is
 * the key policy's, checked where the key is resolved); CreateKey's Tags need kms:TagResource on
 * every key of the account and Region; and the request's own values (kms:KeySpec,
 * aws:RequestTag/…, kms:BypassPolicyLockoutSafetyCheck) are there for conditions to read.
 */
export function kmsIamChecks(operation: string, input: Record<string, unknown>, scope: { region: string; accountId: string }): IamCheck[] {
  const action = `kms:${operation}`;
  const request = requestFacts(operation, input);
  const arn = `arn:aws:kms:${scope.region}:${scope.accountId}`;
  if (operation === 'CreateAlias' || operation === 'UpdateAlias' || operation === 'DeleteAlias') {
    return typeof input.AliasName === 'string' ? [{ action, resource: `${arn}:${input.AliasName}`, request }] : [{ action, request }];
  }
  const checks: IamCheck[] = [{ action, request }];
  if (operation === 'CreateKey' && Array.isArray(input.Tags) && input.Tags.length > 0) {
    checks.push({ action: 'kms:TagResource', resource: `${arn}:key/*`, request });
  }
  return checks;
}
