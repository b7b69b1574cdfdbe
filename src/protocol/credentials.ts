import { readFileSync } from 'node:fs';

/** An access key the service accepts, and who signs with it. */
export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  principalArn: string;
  /** Temporary credentials come with a session token, which every request must then carry. */
  sessionToken?: string;
}

export const DEV_ACCOUNT = '111122223333';

export const DEV_PRINCIPAL: Principal = {
  accessKeyId: 'test',
  secretAccessKey: 'test',
  accountId: DEV_ACCOUNT,
  principalArn: `arn:aws:iam::${DEV_ACCOUNT}:root`,
};

export class Credentials {
  private readonly byKey: Map<string, Principal>;

  constructor(principals: Principal[]) {
    this.byKey = new Map(principals.map((p) => [p.accessKeyId, p]));
  }

  get(accessKeyId: string): Principal | undefined {
    return this.byKey.get(accessKeyId);
  }

  /**
   * A credentials file is JSON: {"credentials": [{"accessKeyId", "secretAccessKey", "accountId",
   * "principalArn"?, "sessionToken"?}]}. It replaces the dev credential, which stays only if the file lists it.
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
  const { accessKeyId, secretAccessKey, accountId, principalArn, sessionToken } = (c ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || !accessKeyId) throw new Error(`${where}: accessKeyId is required`);
  if (typeof secretAccessKey !== 'string' || !secretAccessKey) throw new Error(`${where}: secretAccessKey is required`);
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new Error(`${where}: accountId must be 12 digits`);
  if (principalArn !== undefined && typeof principalArn !== 'string') throw new Error(`${where}: principalArn must be a string`);
  if (sessionToken !== undefined && (typeof sessionToken !== 'string' || !sessionToken)) throw new Error(`${where}: sessionToken must be a non-empty string`);
  const principal: Principal = { accessKeyId, secretAccessKey, accountId, principalArn: principalArn ?? `arn:aws:iam::${accountId}:root` };
  if (sessionToken !== undefined) principal.sessionToken = sessionToken;
  return principal;
}
