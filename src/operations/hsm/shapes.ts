import { keyReference } from '../../cluster/key-objects.js';
import type { KeyObject } from '../../cluster/model.js';
import type { UserView } from '../../cluster/users.js';

// Domain values as this API's wire shows them (never a key's material).

export const userShape = (u: UserView) => ({
  UserId: u.userId,
  Username: u.username,
  Role: u.role,
  Locked: u.locked,
  LoginFailureCount: u.failedLogins,
});

export const keyShape = (k: KeyObject) => ({
  KeyReference: keyReference(k.handle),
  Handle: k.handle,
  Id: k.id,
  Label: k.label,
  Owner: k.owner,
  SharedUsers: k.sharedUsers,
  Class: k.keyClass,
  KeyType: k.keyType,
  KeyLengthBytes: k.sizeBytes,
  CheckValue: k.checkValue,
  Extractable: k.extractable,
});
