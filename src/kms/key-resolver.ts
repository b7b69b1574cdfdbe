import { AccessDeniedException } from '../core/common-errors.js';
import { NotFoundException } from './errors.js';
import { aliasArn, keyArn, type KeyRecord, type Scope } from './key.js';
import type { KeyAuthorizer } from './authorization.js';
import type { Caller } from './context.js';
import type { KmsStore } from './repository.js';

/** Which identifier forms an operation accepts: AWS allows aliases only where a key is used, not managed. */
export type IdentifierForms = 'keyOrAlias' | 'keyOnly';

type Parsed =
  | { kind: 'key'; keyId: string; scope: Scope; arn?: string }
  | { kind: 'alias'; aliasName: string; scope: Scope };

const ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):((?:key|alias)\/.+)$/;
/**
 * The two shapes a key id has: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. KMS
 * answers anything else given as a bare key id with `Invalid keyId` before looking for a key.
 */
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;

export function parseKeyIdentifier(scope: Scope, identifier: string): Parsed {
  if (identifier.startsWith('alias/')) return { kind: 'alias', aliasName: identifier, scope };
  const m = ARN.exec(identifier);
  if (!m) {
    if (identifier.startsWith('arn:')) throw new NotFoundException(`Invalid arn ${identifier}`);
    if (!KEY_ID.test(identifier)) throw invalidKeyId(identifier);
    return { kind: 'key', keyId: identifier, scope };
  }
  // A key ARN names its region; KMS answers a request in one region for an ARN of another like this.
  if (m[1] !== scope.region) throw new NotFoundException(`Invalid arn ${m[1]}`);
  const target: Scope = { region: m[1]!, accountId: m[2]! };
  const resource = m[3]!;
  if (resource.startsWith('alias/')) return { kind: 'alias', aliasName: resource, scope: target };
  return { kind: 'key', keyId: resource.slice(4), scope: target, arn: identifier };
}

/**
 * Finds the key an identifier names and checks that the caller may perform `action` (`Encrypt`,
 * `ReEncryptFrom`, ...) on it. Aliases name keys of the caller's own account only; a key ARN may
 * name another account's key, which that key's policy then has to open to the caller.
 */
export async function resolveKey(
  deps: { store: KmsStore; authorizer?: KeyAuthorizer },
  caller: Caller,
  identifier: string,
  forms: IdentifierForms,
  action: string,
): Promise<KeyRecord> {
  const key = await findKey(deps.store, caller, identifier, forms);
  await authorizeKey(deps, caller, action, key);
  return key;
}

/**
 * The key an identifier names, not yet authorized: for RetireGrant, whose authorization depends
 * on the grant found on the key rather than on a policy action alone, and for `policy explain`,
 * which asks about another principal's rights.
 */
export async function findKey(store: KmsStore, caller: Caller, identifier: string, forms: IdentifierForms): Promise<KeyRecord> {
  const parsed = parseKeyIdentifier(caller, identifier);
  if (parsed.kind === 'alias' && forms === 'keyOnly') throw invalidKeyId(identifier);
  if (parsed.kind === 'alias') {
    const foreign = parsed.scope.accountId !== caller.accountId;
    const alias = foreign ? undefined : await store.aliases.get(parsed.scope, parsed.aliasName);
    const key = alias && (await store.keys.get(parsed.scope, alias.targetKeyId));
    if (!key) throw new NotFoundException(`Alias ${aliasArn(parsed.scope, parsed.aliasName)} is not found.`);
    return key;
  }
  const key = await store.keys.get(parsed.scope, parsed.keyId);
  if (!key) throw new NotFoundException(`Key '${keyArn(parsed.scope, parsed.keyId)}' does not exist`);
  return key;
}

/**
 * The authorization of one action on a resolved key. Without an authorizer or an identity (the
 * service's own work, domain tests) a key of another account is refused as under its default
 * policy, and any other passes.
 */
export async function authorizeKey(deps: { authorizer?: KeyAuthorizer }, caller: Caller, action: string, key: KeyRecord): Promise<void> {
  if (deps.authorizer && caller.identity) return deps.authorizer.authorize(caller, action, key);
  if (key.accountId !== caller.accountId) throw denied(caller.principalArn, action, keyArn(key, key.keyId));
}

const invalidKeyId = (identifier: string) => new NotFoundException(`Invalid keyId '${identifier}'`);

export const denied = (principalArn: string, action: string, resourceArn: string) =>
  new AccessDeniedException(
    `User: ${principalArn} is not authorized to perform: kms:${action} on resource: ${resourceArn} because no resource-based policy allows the kms:${action} action`,
  );
