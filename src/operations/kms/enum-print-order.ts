import type { AwsError } from '../../core/aws-error.js';
import { ValidationException } from '../../core/common-errors.js';
import { formatViolations, type Violation } from '../../protocol/validation.js';

/**
 * KMS lists an enum's allowed values in the order of its own set, which is not the model's. Only
 * orders recorded from AWS for the enum's present values are here; every other enum keeps the
 * model's order, since a value added later would move the rest unpredictably.
 */
const AWS_ORDER: Readonly<Record<string, readonly string[]>> = {
  MacAlgorithmSpec: ['HMAC_SHA_384', 'HMAC_SHA_256', 'HMAC_SHA_224', 'HMAC_SHA_512'],
};

/** The KMS ValidationException for `violations` when one of them quotes such an enum; otherwise undefined. */
export function rejectWithAwsEnumOrder(_operation: string, violations: readonly Violation[]): AwsError | undefined {
  if (!violations.some(reordered)) return undefined;
  return new ValidationException(
    formatViolations(violations.map((v) => (reordered(v) ? { ...v, rule: { kind: 'enum', values: AWS_ORDER[v.shape.name]! } } : v))),
  );
}

const reordered = (v: Violation): boolean => v.rule.kind === 'enum' && AWS_ORDER[v.shape.name] !== undefined;
