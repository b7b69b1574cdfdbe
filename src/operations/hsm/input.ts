import { HsmInvalidRequest } from '../../cluster/hsm-errors.js';
import type { HsmRole, Scope } from '../../cluster/model.js';
import type { CallContext } from '../../protocol/service.js';

// This API has no service model, so each operation checks its own input here, with messages that
// name the member and say what is expected.

export const scopeOf = (ctx: CallContext): Scope => ({ accountId: ctx.accountId, region: ctx.region });

const invalid = (message: string) => new HsmInvalidRequest('INVALID_INPUT', message);

export function requiredString(input: Record<string, unknown>, member: string, max = 1024): string {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${member} is required and must be a non-empty string.`);
  if (value.length > max) throw invalid(`${member} must be at most ${max} characters.`);
  return value;
}

export function optionalString(input: Record<string, unknown>, member: string, max = 1024): string | undefined {
  return input[member] === undefined ? undefined : requiredString(input, member, max);
}

export function optionalInteger(input: Record<string, unknown>, member: string, min: number, max: number): number | undefined {
  const value = input[member];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${member} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

export function requiredInteger(input: Record<string, unknown>, member: string, min: number, max: number): number {
  const value = optionalInteger(input, member, min, max);
  if (value === undefined) throw invalid(`${member} is required: a whole number from ${min} to ${max}.`);
  return value;
}

export function optionalBoolean(input: Record<string, unknown>, member: string): boolean | undefined {
  const value = input[member];
  if (value !== undefined && typeof value !== 'boolean') throw invalid(`${member} must be true or false.`);
  return value;
}

export function optionalStrings(input: Record<string, unknown>, member: string): string[] {
  const value = input[member];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${member} must be a list of strings.`);
  return value as string[];
}

const ROLES: readonly HsmRole[] = ['admin', 'crypto-user', 'unactivated-admin', 'appliance'];

export function role(input: Record<string, unknown>, member = 'Role'): HsmRole {
  const value = requiredString(input, member, 32);
  if (!(ROLES as readonly string[]).includes(value)) throw invalid(`${member} must be one of ${ROLES.join(', ')}, not '${value}'.`);
  return value as HsmRole;
}

/** Every call names its cluster; most also carry the session token that Login returned. */
export const clusterId = (input: Record<string, unknown>) => requiredString(input, 'ClusterId', 64);
export const sessionToken = (input: Record<string, unknown>) => requiredString(input, 'SessionToken', 256);
