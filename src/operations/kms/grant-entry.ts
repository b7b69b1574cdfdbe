import type { GrantConstraints } from '../../kms/grant-rules.js';
import { keyArn } from '../../kms/key.js';
import type { GrantRecord } from '../../kms/repository.js';
import type { GrantConstraints as WireGrantConstraints, GrantListEntry } from '../../protocol/models/kms.types.js';
import { epochSeconds } from '../wire.js';

// A grant on the wire: the GrantListEntry of ListGrants and ListRetirableGrants, and the
// GrantConstraints member both ways.

export function constraintsFromWire(c: WireGrantConstraints | undefined): GrantConstraints | undefined {
  if (c === undefined) return undefined;
  const out: GrantConstraints = {};
  if (c.EncryptionContextSubset !== undefined) out.encryptionContextSubset = { ...c.EncryptionContextSubset };
  if (c.EncryptionContextEquals !== undefined) out.encryptionContextEquals = { ...c.EncryptionContextEquals };
  return out;
}

function constraintsToWire(c: GrantConstraints): WireGrantConstraints {
  const out: WireGrantConstraints = {};
  if (c.encryptionContextSubset !== undefined) out.EncryptionContextSubset = c.encryptionContextSubset;
  if (c.encryptionContextEquals !== undefined) out.EncryptionContextEquals = c.encryptionContextEquals;
  return out;
}

/** Name, RetiringPrincipal and Constraints appear only when the grant has them, as AWS lists them. */
export function grantListEntry(g: GrantRecord): GrantListEntry {
  return {
    KeyId: keyArn(g, g.keyId),
    GrantId: g.grantId,
    ...(g.name !== undefined ? { Name: g.name } : {}),
    CreationDate: epochSeconds(g.createdAt),
    GranteePrincipal: g.granteePrincipal,
    ...(g.retiringPrincipal !== undefined ? { RetiringPrincipal: g.retiringPrincipal } : {}),
    IssuingAccount: g.issuingAccount,
    Operations: g.operations,
    ...(g.constraints !== undefined ? { Constraints: constraintsToWire(g.constraints) } : {}),
  };
}
