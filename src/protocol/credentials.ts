import { readFileSync } from 'node:fs';
import { malformedPolicyMessage, parsePolicy, principalOfArn, type CallerIdentity, type NamedPolicy } from '../authz/index.js';

/** An access key the service accepts, and who signs with it. */
export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  principalArn: string;
  /** Temporary credentials come with a session token, which every request must then carry. */
  sessionToken?: string;
  /** The principal as authorization sees it, with its identity policies, parsed once. */
  identity: CallerIdentity;
}

export const DEV_ACCOUNT = '111122223333';

/**
 * What an access key may do when its entry lists no identity policies: everything, like the
 * AdministratorAccess policy. Key policies still decide on top of it, so a key policy that names
 * only certain principals keeps the others out.
 */
const ADMINISTRATOR: NamedPolicy = {
  name: 'AdministratorAccess',
  policy: parsedIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), 'AdministratorAccess'),
};

export const DEV_PRINCIPAL: Principal = {
  accessKeyId: 'test',
  secretAccessKey: 'test',
  accountId: DEV_ACCOUNT,
  principalArn: `arn:aws:iam::${DEV_ACCOUNT}:root`,
  identity: identityOf(`arn:aws:iam::${DEV_ACCOUNT}:root`, undefined, [ADMINISTRATOR]),
};

export class Credentials {
  private readonly byKey: Map<string, Principal>;

  constructor(principals: Principal[]) {
    this.byKey = new Map(principals.map((p) => [p.accessKeyId, p]));
  }

  get(accessKeyId: string): Principal | undefined {
    return this.byKey.get(accessKeyId);
  }

  /** The identity of the first access key that signs as this principal, for `keywarden policy explain`. */
  identityOf(principalArn: string): CallerIdentity | undefined {
    for (const p of this.byKey.values()) if (p.principalArn === principalArn) return p.identity;
    return undefined;
  }

  /**
   * A credentials file is JSON: {"credentials": [{"accessKeyId", "secretAccessKey", "accountId",
   * "principalArn"?, "sessionToken"?, "tags"?, "identityPolicies"?}]}. `identityPolicies` maps a
   * policy name to an IAM policy document (an object or its JSON text); without it the access key
   * is an administrator of its account. The file replaces the dev credential, which stays only if
   * the file lists it.
   */
  static fromFile(path: string): Credentials {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read credentials file ${path}: ${(e as Error).message}`);
    }
    const list = typeof doc === 'object' && doc !== null ? (doc as { credentials?: unknown }).credentials : undefined;
    if (!Array.isArray(list) || list.length === 0) {
      throw new Error(`credentials file ${path} must hold {"credentials": [ ... ]} with at least one entry`);
    }
    return new Credentials(list.map((c, i) => principalFrom(c, `${path} entry ${i + 1}`)));
  }
}

function principalFrom(c: unknown, where: string): Principal {
  const { accessKeyId, secretAccessKey, accountId, principalArn, sessionToken, tags, identityPolicies } = (c ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || !accessKeyId) throw new Error(`${where}: accessKeyId is required`);
  if (typeof secretAccessKey !== 'string' || !secretAccessKey) throw new Error(`${where}: secretAccessKey is required`);
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new Error(`${where}: accountId must be 12 digits`);
  if (principalArn !== undefined && typeof principalArn !== 'string') throw new Error(`${where}: principalArn must be a string`);
  if (sessionToken !== undefined && (typeof sessionToken !== 'string' || !sessionToken)) throw new Error(`${where}: sessionToken must be a non-empty string`);
  const arn = principalArn ?? `arn:aws:iam::${accountId}:root`;
  const principal: Principal = {
    accessKeyId,
    secretAccessKey,
    accountId,
    principalArn: arn,
    identity: {
      ...identityOf(arn, stringMap(tags, `${where}: tags`), policiesFrom(identityPolicies, where), where),
      readsResourceAliases: /resourcealiases/i.test(JSON.stringify(identityPolicies ?? '')),
    },
  };
  if (principal.identity.principal.accountId !== accountId) throw new Error(`${where}: principalArn ${arn} is not in account ${accountId}`);
  if (sessionToken !== undefined) principal.sessionToken = sessionToken;
  return principal;
}

function identityOf(arn: string, tags: Record<string, string> | undefined, identityPolicies: NamedPolicy[], where = 'the dev credential'): CallerIdentity {
  const principal = principalOfArn(arn, tags);
  if (!principal) {
    throw new Error(`${where}: principalArn ${arn} is not an IAM user, an assumed-role session, a federated user or an account's root user`);
  }
  return { principal, identityPolicies };
}

function policiesFrom(value: unknown, where: string): NamedPolicy[] {
  if (value === undefined) return [ADMINISTRATOR];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: identityPolicies must map policy names to IAM policy documents`);
  }
  return Object.entries(value).map(([name, doc]) =>
    ({ name, policy: parsedIdentityPolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), `${where}: identity policy ${JSON.stringify(name)}`) }),
  );
}

function parsedIdentityPolicy(text: string, where: string): NamedPolicy['policy'] {
  const parsed = parsePolicy(text, 'identity');
  if (!parsed.ok) throw new Error(`${where}: ${malformedPolicyMessage(parsed.problems)}`);
  return parsed.policy;
}

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error(`${where} must map tag keys to string values`);
  }
  return value as Record<string, string>;
}
