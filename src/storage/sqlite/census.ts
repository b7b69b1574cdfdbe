import type { ConnectionState } from '../../kms/custom-key-store-port.js';
import type { KeyCensus, KeyStateGroup } from '../../kms/key-census.js';
import type { KeyState } from '../../kms/key.js';
import type { Db } from './database.js';

// The counts behind the keys and key store gauges of /metrics: one grouped query each, over every
// account. They read the stored documents (the key state has no column of its own), so a scrape
// costs a scan of the keys table on the thread that answers calls: about 8 ms per 1,000 keys on
// the development VM (170 ms for 20,000), once per scrape (Prometheus asks every 15 s or so).

interface GroupRow {
  state: KeyState;
  inStore: number;
  connectionState: ConnectionState | null;
  missing: number;
  count: number;
}

export function censusOn(db: Db): KeyCensus {
  const groups = db.prepare<[], GroupRow>(
    `SELECT json_extract(k.doc, '$.state') AS state,
            k.custom_key_store_id IS NOT NULL AS inStore,
            s.connection_state AS connectionState,
            coalesce(json_extract(k.doc, '$.backingKey.missing'), 0) AS missing,
            count(*) AS count
       FROM keys k LEFT JOIN custom_key_stores s ON s.custom_key_store_id = k.custom_key_store_id
      GROUP BY 1, 2, 3, 4`,
  );
  const stores = db.prepare<[], { connectionState: ConnectionState; count: number }>(
    'SELECT connection_state AS connectionState, count(*) AS count FROM custom_key_stores GROUP BY 1',
  );
  return {
    async keyStateGroups(): Promise<KeyStateGroup[]> {
      return groups.all().map((r) => ({
        state: r.state,
        ...(r.inStore ? { customKeyStore: { connectionState: r.connectionState ?? undefined } } : {}),
        backingKeyMissing: r.missing === 1,
        count: r.count,
      }));
    },
    async keyStoreStates() {
      return stores.all();
    },
  };
}
