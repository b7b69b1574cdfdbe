import type { RequestContext, RequestPrincipal } from './context.js';
import { sessionRoleName } from './principals.js';

/**
 * The values of condition keys in a request. Key names are matched without regard to case, as
 * IAM does, and so is the tag or encryption-context key after the prefix (AWS documents
 * kms:EncryptionContext:<key> as case-insensitive in the key, which is why kms:EncryptionContextKeys
 * exists). Values keep their case; operators decide how to compare them.
 */
export interface KeyValues {
  readonly values: readonly string[];
  /** A multivalued key (kms:EncryptionContextKeys, …), which the ForAnyValue/ForAllValues qualifiers are for. */
  readonly multi: boolean;
}

/** Keys whose value is a set. */
export const MULTIVALUED_KEYS: ReadonlySet<string> = new Set([
  'kms:encryptioncontextkeys',
  'kms:resourcealiases',
  'kms:grantoperations',
  'aws:tagkeys',
]);

const single = (v: string | undefined): KeyValues | undefined => (v === undefined ? undefined : { values: [v], multi: false });
const flag = (v: boolean | undefined): KeyValues | undefined => (v === undefined ? undefined : single(v ? 'true' : 'false'));
const set = (v: readonly string[] | undefined): KeyValues | undefined => (v && v.length > 0 ? { values: v, multi: true } : undefined);

/** Values of `map` under `key`, compared without case; several when keys differ only by case. */
function byKey(map: Readonly<Record<string, string>> | undefined, key: string): KeyValues | undefined {
  if (!map) return undefined;
  const want = key.toLowerCase();
  const values = Object.keys(map)
    .filter((k) => k.toLowerCase() === want)
    .map((k) => map[k]!);
  return values.length > 0 ? { values, multi: false } : undefined;
}

const PRINCIPAL_TYPES: Record<RequestPrincipal['type'], string> = {
  root: 'Account',
  user: 'User',
  'assumed-role': 'AssumedRole',
  'federated-user': 'FederatedUser',
  service: 'AWSService',
};

export function principalArnKey(p: RequestPrincipal): string {
  if (p.type !== 'assumed-role') return p.arn;
  if (p.roleArn) return p.roleArn;
  const partition = p.arn.split(':')[1] ?? 'aws';
  return `arn:${partition}:iam::${p.accountId}:role/${sessionRoleName(p)}`;
}

export function conditionValues(ctx: RequestContext, name: string): KeyValues | undefined {
  const lower = name.toLowerCase();
  const { principal: p, key, request: r, environment: env } = ctx;
  const prefixed = (prefix: string) => (lower.startsWith(prefix) ? name.slice(prefix.length) : undefined);

  const principalTag = prefixed('aws:principaltag/');
  if (principalTag !== undefined) return byKey(p.tags, principalTag);
  const resourceTag = prefixed('aws:resourcetag/');
  if (resourceTag !== undefined) return byKey(key?.tags, resourceTag);
  const requestTag = prefixed('aws:requesttag/');
  if (requestTag !== undefined) return byKey(r?.tags, requestTag);
  const contextKey = prefixed('kms:encryptioncontext:');
  if (contextKey !== undefined) return byKey(r?.encryptionContext, contextKey);

  switch (lower) {
    case 'aws:principalarn':
      return p.type === 'service' ? undefined : single(principalArnKey(p));
    case 'aws:principalaccount':
      return p.type === 'service' ? undefined : single(p.accountId);
    case 'aws:principaltype':
      return single(PRINCIPAL_TYPES[p.type]);
    case 'aws:principalisawsservice':
      return flag(p.type === 'service');
    case 'aws:principalservicename':
      return p.type === 'service' ? single(p.arn) : undefined;
    case 'aws:userid':
      return single(p.userId ?? (p.type === 'root' ? p.accountId : undefined));
    case 'aws:username':
      return p.type === 'user' ? single(p.arn.slice(p.arn.lastIndexOf('/') + 1)) : undefined;
    case 'aws:sourceip':
      return single(env.sourceIp);
    case 'aws:currenttime':
      return single(new Date(env.currentTime).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    case 'aws:epochtime':
      return single(String(Math.floor(env.currentTime / 1000)));
    case 'aws:securetransport':
      return flag(env.secureTransport);
    case 'aws:requestedregion':
      return single(env.region);
    case 'aws:viaawsservice':
      return flag(env.viaService !== undefined);
    case 'aws:resourceaccount':
      return single(key?.accountId);
    case 'aws:tagkeys':
      return set(r?.tags ? Object.keys(r.tags) : undefined);
    case 'kms:calleraccount':
      return p.type === 'service' ? undefined : single(p.accountId);
    case 'kms:viaservice':
      return single(env.viaService);
    case 'kms:encryptioncontextkeys':
      return set(r?.encryptionContext ? Object.keys(r.encryptionContext) : undefined);
    case 'kms:keyspec':
    case 'kms:customermasterkeyspec':
      return single(r?.keySpec ?? key?.keySpec);
    case 'kms:keyusage':
    case 'kms:customermasterkeyusage':
      return single(r?.keyUsage ?? key?.keyUsage);
    case 'kms:keyorigin':
      return single(r?.keyOrigin ?? key?.keyOrigin);
    case 'kms:multiregion':
      return flag(r?.multiRegion ?? key?.multiRegion);
    case 'kms:requestalias':
      return single(r?.alias);
    case 'kms:resourcealiases':
      return set(key?.aliases);
    case 'kms:grantoperations':
      return set(r?.grant?.operations);
    case 'kms:granteeprincipal':
      return single(r?.grant?.granteePrincipal);
    case 'kms:retiringprincipal':
      return single(r?.grant?.retiringPrincipal);
    case 'kms:grantisforawsresource':
      // Set on the grant calls only; true when an integrated AWS service calls for the principal.
      if (!/^kms:(creategrant|listgrants|revokegrant)$/i.test(ctx.action)) return undefined;
      return flag(r?.grant?.isForAwsResource ?? env.viaService !== undefined);
    case 'kms:grantconstrainttype':
      return grantConstraintType(ctx);
    case 'kms:signingalgorithm':
      return single(r?.signingAlgorithm);
    case 'kms:encryptionalgorithm':
      return single(r?.encryptionAlgorithm);
    case 'kms:macalgorithm':
      return single(r?.macAlgorithm);
    case 'kms:keyagreementalgorithm':
      return single(r?.keyAgreementAlgorithm);
    case 'kms:messagetype':
      return single(r?.messageType);
    case 'kms:datakeypairspec':
      return single(r?.dataKeyPairSpec);
    case 'kms:bypasspolicylockoutsafetycheck':
      return flag(r?.bypassPolicyLockoutSafetyCheck);
    case 'kms:reencryptonsamekey':
      return flag(r?.reEncryptOnSameKey);
    case 'kms:expirationmodel':
      return single(r?.expirationModel);
  }
  return otherValue(r?.other, lower);
}

function grantConstraintType(ctx: RequestContext): KeyValues | undefined {
  const c = ctx.request?.grant?.constraints;
  if (!c) return undefined;
  const types: string[] = [];
  if (c.encryptionContextEquals && Object.keys(c.encryptionContextEquals).length > 0) types.push('EncryptionContextEquals');
  if (c.encryptionContextSubset && Object.keys(c.encryptionContextSubset).length > 0) types.push('EncryptionContextSubset');
  return types.length > 0 ? { values: types, multi: false } : undefined;
}

function otherValue(other: Readonly<Record<string, string | readonly string[] | number | boolean>> | undefined, lower: string): KeyValues | undefined {
  if (!other) return undefined;
  const name = Object.keys(other).find((k) => k.toLowerCase() === lower);
  if (name === undefined) return undefined;
  const v = other[name]!;
  if (Array.isArray(v)) return set(v as readonly string[]);
  return single(String(v));
}

/** The single value a policy variable `${key}` stands for; multivalued keys have none. */
export function variableValue(ctx: RequestContext, name: string): string | undefined {
  const v = conditionValues(ctx, name);
  return v && !v.multi && v.values.length === 1 ? v.values[0] : undefined;
}
