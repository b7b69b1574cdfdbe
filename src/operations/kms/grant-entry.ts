import type { GrantConstraints } from '../../kms/grant-rules.js';
import { keyArn } from '../../kms/key.js';
import type { GrantRecord } from '../../kms/repository.js';
import { epochSeconds } from '../wire.js';

// A grant on the wire: the GrantListEntry of ListGrants and ListRetirableGrants, and the
// GrantConstraints member both ways.

export interface WireGrantConstraints {
  EncryptionContextSubset?: Record<string, string>;
  EncryptionContextEquals?: Record<string, string>;
}

export function constraintsFromWire(c: WireGrantConstraints | undefined): GrantConstraints | undefined {
  if (c === undefined) return undefined;
  const out: GrantConstraints = {};
  if (c.EncryptionContextSubset !== undefined) out.encryptionContextSubset = c.EncryptionContextSubset;
  if (c.EncryptionContextEquals !== undefined) out.encryptionContextEquals = c.EncryptionContextEquals;
  return out;
}

function constraintsToWire(c: GrantConstraints): WireGrantConstraints {
  const out: WireGrantConstraints = {};
  if (c.encryptionContextSubset !== undefined) out.EncryptionContextSubset = c.encryptionContextSubset;
  if (c.encryptionContextEquals !== undefined) out.EncryptionContextEquals = c.encryptionContextEquals;
  return out;
}

/** Name, RetiringPrincipal and Constraints appear only when the grant has them, as AWS lists them. */
export function grantListEntry(g: GrantRecord): Record<string, unknown> {
  const entry: Record<string, unknown> = { KeyId: keyArn(g, g.keyId), GrantId: g.grantId };
  if (g.name !== undefined) entry.Name = g.name;
  entry.CreationDate = epochSeconds(g.createdAt);
  entry.GranteePrincipal = g.granteePrincipal;
  if (g.retiringPrincipal !== undefined) entry.RetiringPrincipal = g.retiringPrincipal;
  entry.IssuingAccount = g.issuingAccount;
  entry.Operations = g.operations;
  if (g.constraints !== undefined) entry.Constraints = constraintsToWire(g.constraints);
  return entry;
}
