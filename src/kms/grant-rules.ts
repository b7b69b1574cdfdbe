import { GRANT_OPERATIONS, type GrantOperation } from '../authz/index.js';
import { ValidationException } from '../core/common-errors.js';
import { InvalidArnException } from './errors.js';
import type { KeyUsage } from './key.js';
import type { KeySpec } from './key-specs.js';

// What a grant may say, as AWS's grant documentation states it: which operations fit which kind of
// key, which operations take an encryption context constraint, the size of a constraint, who can
// be a principal, and when two CreateGrant requests ask for the same grant. Pure functions over
// values; grants.ts applies them.

// The GrantOperation enum of the service model, in its order: one list, kept by the policy evaluator.
export { GRANT_OPERATIONS, type GrantOperation } from '../authz/index.js';

export interface GrantConstraints {
  encryptionContextSubset?: Record<string, string>;
  encryptionContextEquals?: Record<string, string>;
}

/** Operations every grant may carry, whatever its key: they manage the grant or read the key. */
const ANY_KEY: readonly GrantOperation[] = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

/** The cryptographic operations of a symmetric encryption key: each takes an encryption context. */
const SYMMETRIC: readonly GrantOperation[] = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
];

const BY_USAGE: Record<KeyUsage, readonly GrantOperation[]> = {
  ENCRYPT_DECRYPT: ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'],
  SIGN_VERIFY: ['Sign', 'Verify', 'GetPublicKey'],
  GENERATE_VERIFY_MAC: ['GenerateMac', 'VerifyMac'],
  KEY_AGREEMENT: ['DeriveSharedSecret', 'GetPublicKey'],
};

export interface GrantedKey {
  keySpec: KeySpec;
  keyUsage: KeyUsage;
}

/** The operations a grant on this key may allow, in the model's order. */
export function grantOperationsFor(key: GrantedKey): GrantOperation[] {
  const own = key.keySpec === 'SYMMETRIC_DEFAULT' ? SYMMETRIC : BY_USAGE[key.keyUsage];
  return GRANT_OPERATIONS.filter((op) => own.includes(op) || ANY_KEY.includes(op));
}

/**
 * The operations whose calls an encryption context constraint governs: only a symmetric
 * encryption key's cryptographic operations take a context. The three operations of any key may
 * sit beside them in a constrained grant, and the constraint does not apply to them.
 */
function constrainable(key: GrantedKey): readonly GrantOperation[] {
  return key.keySpec === 'SYMMETRIC_DEFAULT' ? [...SYMMETRIC, ...ANY_KEY] : ANY_KEY;
}

/** The quotas AWS documents for one constraint. */
export const CONSTRAINT_LIMITS = { pairs: 8, valueLength: 384 } as const;

const distinct = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * Throws the ValidationException AWS answers when a grant's operations or constraints do not fit
 * its key. `arn` names the key in the message.
 */
export function checkGrant(key: GrantedKey, arn: string, operations: readonly GrantOperation[], constraints: GrantConstraints | undefined): void {
  if (operations.length === 0) throw new ValidationException('A grant must allow at least one operation: Operations is empty.');
  if (operations.every((op) => op === 'CreateGrant')) throw new ValidationException('Grants must not contain only the CreateGrant operation.');
  const allowed = grantOperationsFor(key);
  const unfit = distinct(operations.filter((op) => !allowed.includes(op)));
  if (unfit.length > 0) {
    throw new ValidationException(
      `The grant operations [${unfit.join(', ')}] are not valid for ${arn}, whose KeySpec is ${key.keySpec} and KeyUsage ${key.keyUsage}. ` +
        `Valid grant operations for this key: [${allowed.join(', ')}].`,
    );
  }
  if (constraints === undefined) return;
  const { encryptionContextEquals: equals, encryptionContextSubset: subset } = constraints;
  if (equals !== undefined && subset !== undefined) throw new ValidationException('More than one constraint supplied');
  const withContext = constrainable(key);
  const refused = distinct(operations.filter((op) => !withContext.includes(op)));
  if (refused.length > 0) {
    throw new ValidationException(
      `Encryption context grant constraints are not supported for the grant operations [${refused.join(', ')}] on ${arn}: ` +
        'only the cryptographic operations of a symmetric encryption KMS key take an encryption context.',
    );
  }
  const [name, context] = equals !== undefined ? ['EncryptionContextEquals', equals] : ['EncryptionContextSubset', subset!];
  const pairs = Object.entries(context);
  if (pairs.length > CONSTRAINT_LIMITS.pairs) {
    throw new ValidationException(`The ${name} grant constraint has ${pairs.length} encryption context pairs; at most ${CONSTRAINT_LIMITS.pairs} are allowed.`);
  }
  for (const [k, v] of pairs) {
    if (v.length > CONSTRAINT_LIMITS.valueLength) {
      throw new ValidationException(
        `The value of encryption context key '${k}' in the ${name} grant constraint is ${v.length} characters long; at most ${CONSTRAINT_LIMITS.valueLength} are allowed.`,
      );
    }
  }
}

/** A Constraints member with neither map constrains nothing. */
export function normalConstraints(constraints: GrantConstraints | undefined): GrantConstraints | undefined {
  if (constraints === undefined) return undefined;
  const out: GrantConstraints = {};
  if (constraints.encryptionContextEquals !== undefined) out.encryptionContextEquals = { ...constraints.encryptionContextEquals };
  if (constraints.encryptionContextSubset !== undefined) out.encryptionContextSubset = { ...constraints.encryptionContextSubset };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What makes two grants on one key the same grant for Name idempotence. */
export interface GrantTerms {
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: readonly GrantOperation[];
  constraints?: GrantConstraints;
}

/**
 * Whether a CreateGrant request repeats an existing grant: the same principals, the same set of
 * operations (in any order) and the same constraint. AWS returns the existing grant's id only for
 * identical parameters; a request under the same name that differs in any of them gets a new grant.
 */
export function sameTerms(a: GrantTerms, b: GrantTerms): boolean {
  if (a.granteePrincipal !== b.granteePrincipal || (a.retiringPrincipal ?? '') !== (b.retiringPrincipal ?? '')) return false;
  const opsA = new Set(a.operations);
  const opsB = new Set(b.operations);
  if (opsA.size !== opsB.size || [...opsA].some((op) => !opsB.has(op))) return false;
  const ca = normalConstraints(a.constraints);
  const cb = normalConstraints(b.constraints);
  return sameContext(ca?.encryptionContextEquals, cb?.encryptionContextEquals) && sameContext(ca?.encryptionContextSubset, cb?.encryptionContextSubset);
}

function sameContext(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/**
 * Whether a grant's constraint lets a call with this encryption context through: Equals needs
 * exactly the constraint's pairs, Subset needs at least them. A grant without a constraint allows
 * any context. (Operations the constraint does not govern, DescribeKey and RetireGrant, are the
 * caller's to exempt.)
 */
export function constraintsAllow(constraints: GrantConstraints | undefined, context: Record<string, string> | undefined): boolean {
  const given = context ?? {};
  if (constraints?.encryptionContextEquals !== undefined) return sameContext(constraints.encryptionContextEquals, given);
  if (constraints?.encryptionContextSubset !== undefined) {
    return Object.entries(constraints.encryptionContextSubset).every(([k, v]) => Object.hasOwn(given, k) && given[k] === v);
  }
  return true;
}

/**
 * Whether a grant made through a parent grant's CreateGrant permission is at least as strict as
 * its parent: AWS requires the child of a constrained grant to carry an equal or stricter
 * encryption context constraint.
 */
export function atLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined): boolean {
  const p = normalConstraints(parent);
  if (p === undefined) return true;
  const c = normalConstraints(child);
  if (c === undefined) return false;
  if (p.encryptionContextEquals !== undefined) return sameContext(p.encryptionContextEquals, c.encryptionContextEquals);
  // Every context a child allows must hold the parent's subset.
  const childPairs = c.encryptionContextEquals ?? c.encryptionContextSubset!;
  return constraintsAllow(p, childPairs);
}

const PRINCIPAL_FORMS = [
  /^arn:aws[a-z-]*:iam::\d{12}:(?:root|user\/.+|role\/.+)$/,
  /^arn:aws[a-z-]*:sts::\d{12}:(?:assumed-role\/[^/]+\/.+|federated-user\/.+)$/,
  /^\d{12}$/,
  // A service principal: `rds.amazonaws.com`, `logs.us-east-1.amazonaws.com`.
  /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$/,
];

/**
 * A grantee or retiring principal must be one AWS can name: an account, an IAM user or role, an
 * assumed-role session or federated user (by ARN), or a service principal.
 */
export function checkPrincipal(principal: string, member: 'GranteePrincipal' | 'RetiringPrincipal'): void {
  if (PRINCIPAL_FORMS.some((form) => form.test(principal))) return;
  throw new InvalidArnException(
    `${member} '${principal}' is not a valid principal: use the ARN of an AWS account, IAM user, IAM role, assumed-role session or federated user, or a service principal.`,
  );
}
