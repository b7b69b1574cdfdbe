import type { ConnectionState } from '../../kms/custom-key-store-port.js';
import type { KeyCensus, KeyStateGroup } from '../../kms/key-census.js';
import type { KeyState } from '../../kms/key.js';
import { type PgDatabase, statement } from './database.js';

// The counts behind the keys and key store gauges of /metrics, over every account, as the SQLite
// store counts them: the key state is read from the stored documents, once per scrape.

interface GroupRow {
  state: KeyState;
  inStore: boolean;
  connectionState: ConnectionState | null;
  missing: boolean;
  count: number;
}

const GROUPS = statement(
  'census-keys',
  `SELECT k.doc::jsonb ->> 'state' AS state,
          k.custom_key_store_id IS NOT NULL AS "inStore",
          s.connection_state AS "connectionState",
          coalesce((k.doc::jsonb -> 'backingKey' ->> 'missing')::boolean, false) AS missing,
          count(*)::int AS count
     FROM keys k LEFT JOIN custom_key_stores s ON s.custom_key_store_id = k.custom_key_store_id
    GROUP BY 1, 2, 3, 4`,
);
const STORES = statement('census-stores', 'SELECT connection_state AS "connectionState", count(*)::int AS count FROM custom_key_stores GROUP BY 1');

export function pgCensus(db: PgDatabase): KeyCensus {
  return {
    async keyStateGroups(): Promise<KeyStateGroup[]> {
      return (await db.pool.query<GroupRow>(GROUPS())).rows.map((r) => ({
        state: r.state,
        ...(r.inStore ? { customKeyStore: { connectionState: r.connectionState ?? undefined } } : {}),
        backingKeyMissing: r.missing,
        count: r.count,
      }));
    },
    async keyStoreStates() {
      return (await db.pool.query<{ connectionState: ConnectionState; count: number }>(STORES())).rows;
    },
  };
}
