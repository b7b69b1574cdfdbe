import type { AliasRecord } from '../kms/repository.js';

/** An alias's row as both stores' tables hold it. */
export interface AliasRow {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export const toAlias = (r: AliasRow): AliasRecord => ({
  accountId: r.account_id,
  region: r.region,
  aliasName: r.alias_name,
  targetKeyId: r.key_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
