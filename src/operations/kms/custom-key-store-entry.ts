import type { CustomKeyStoreRecord } from '../../keystores/model.js';
import type { CustomKeyStoresListEntry } from '../../protocol/models/kms.types.js';
import { epochSeconds } from '../wire.js';

/**
 * A CustomKeyStoresListEntry (seed 001): exactly its members for an AWS CloudHSM key store.
 * ConnectionErrorCode appears only while the store is FAILED; the kmsuser password never does.
 */
export function customKeyStoreEntry(s: CustomKeyStoreRecord): CustomKeyStoresListEntry {
  const entry: CustomKeyStoresListEntry = {
    CustomKeyStoreId: s.customKeyStoreId,
    CustomKeyStoreName: s.name,
    CloudHsmClusterId: s.clusterId,
    TrustAnchorCertificate: s.trustAnchor,
    ConnectionState: s.connectionState,
  };
  if (s.connectionState === 'FAILED' && s.connectionErrorCode !== undefined) entry.ConnectionErrorCode = s.connectionErrorCode;
  entry.CreationDate = epochSeconds(s.createdAt);
  entry.CustomKeyStoreType = s.type;
  return entry;
}
