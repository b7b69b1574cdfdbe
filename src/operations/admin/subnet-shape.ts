import type { Subnet } from '../../cluster/model.js';
import { ValidationException } from '../../core/common-errors.js';

/** A subnet as the admin endpoint (and `keywarden network … --json`) shows it. */
export const subnetToWire = (s: Subnet) => ({
  SubnetId: s.subnetId,
  VpcId: s.vpcId,
  AvailabilityZone: s.availabilityZone,
  CidrBlock: s.cidrBlock,
  FreeAddresses: s.freeAddresses,
});

/** The admin endpoint has no service model, so its operations check their own input. */
export function requiredString(input: Record<string, unknown>, member: string, example: string): string {
  const v = input[member];
  if (typeof v !== 'string' || v === '') throw new ValidationException(`${member} is required, for example "${example}".`);
  return v;
}

export function optionalCount(input: Record<string, unknown>, member: string): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValidationException(`${member} must be a whole number.`);
  return v;
}
