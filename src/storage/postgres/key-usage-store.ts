import type { KeyUse, KeyUsageRepository } from '../../kms/key-usage.js';
import { type UseRow, toUse } from '../key-usage-rows.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';

// A part of its own, as in the SQLite store, so its steps never interleave with the KMS tables'.
export const KEY_USAGE_SCHEMA: SchemaPart = {
  part: 'key-usage',
  steps: [
    `CREATE TABLE key_last_usage (
       key_arn TEXT PRIMARY KEY,
       operation TEXT NOT NULL,
       event_time BIGINT NOT NULL,
       event_id TEXT NOT NULL,
       request_id TEXT NOT NULL
     );`,
    // To the millisecond, which eventTime's whole seconds are not: what orders two nodes' uses of one second.
    `ALTER TABLE key_last_usage ADD COLUMN written_at BIGINT NOT NULL DEFAULT 0;
     UPDATE key_last_usage SET written_at = event_time;`,
  ],
};

const USE = {
  all: statement('kms-usage-all', 'SELECT key_arn, operation, event_time, written_at, event_id, request_id FROM key_last_usage'),
  get: statement('kms-usage-get', 'SELECT key_arn, operation, event_time, written_at, event_id, request_id FROM key_last_usage WHERE key_arn = $1'),
  // One statement for the whole batch. A node that saves later than another may hold an older use
  // of the same key: the newer stays.
  save: statement(
    'kms-usage-save',
    `INSERT INTO key_last_usage (key_arn, operation, event_time, written_at, event_id, request_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[])
     ON CONFLICT (key_arn) DO UPDATE SET operation = excluded.operation, event_time = excluded.event_time,
       written_at = excluded.written_at, event_id = excluded.event_id, request_id = excluded.request_id
     WHERE excluded.written_at >= key_last_usage.written_at`,
  ),
};

export class PgKeyUsage implements KeyUsageRepository {
  constructor(private readonly db: PgDatabase) {}

  async all(): Promise<KeyUse[]> {
    return (await this.db.pool.query<UseRow>(USE.all())).rows.map(toUse);
  }

  async get(keyArn: string): Promise<KeyUse | undefined> {
    const row = (await this.db.pool.query<UseRow>(USE.get(keyArn))).rows[0];
    return row && toUse(row);
  }

  async save(uses: KeyUse[]): Promise<void> {
    if (uses.length === 0) return;
    // Two uses of one key in a batch would hit its row twice in one statement: the newest counts.
    const last = new Map<string, KeyUse>();
    for (const u of uses) {
      const before = last.get(u.keyArn);
      if (!before || u.at >= before.at) last.set(u.keyArn, u);
    }
    const batch = [...last.values()];
    await this.db.pool.query(
      USE.save(
        batch.map((u) => u.keyArn),
        batch.map((u) => u.operation),
        batch.map((u) => u.timestamp),
        batch.map((u) => u.at),
        batch.map((u) => u.eventId),
        batch.map((u) => u.requestId),
      ),
    );
  }
}
