import type { KeyUse, KeyUsageRepository } from '../../kms/key-usage.js';
import { type UseRow, toUse } from '../key-usage-rows.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { writeTransaction } from './write-lock.js';

// A part of its own, so its schema steps never interleave with the KMS tables' migrations.
const KEY_USAGE_MIGRATIONS = [
  `CREATE TABLE key_last_usage (
     key_arn TEXT PRIMARY KEY,
     operation TEXT NOT NULL,
     event_time INTEGER NOT NULL,
     event_id TEXT NOT NULL,
     request_id TEXT NOT NULL
   );`,
  // To the millisecond, which eventTime's whole seconds are not: what orders two nodes' uses of one second.
  `ALTER TABLE key_last_usage ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0;
   UPDATE key_last_usage SET written_at = event_time;`,
];

export class SqliteKeyUsage implements KeyUsageRepository {
  private readonly allStmt;
  private readonly getStmt;
  private readonly saveMany;

  constructor(db: Db) {
    migrate(db, 'key-usage', KEY_USAGE_MIGRATIONS);
    this.allStmt = db.prepare<[], UseRow>('SELECT key_arn, operation, event_time, written_at, event_id, request_id FROM key_last_usage');
    this.getStmt = db.prepare<[string], UseRow>('SELECT key_arn, operation, event_time, written_at, event_id, request_id FROM key_last_usage WHERE key_arn = ?');
    // A node that saves later than another may hold an older use of the same key: the newer stays.
    const put = db.prepare(
      `INSERT INTO key_last_usage (key_arn, operation, event_time, written_at, event_id, request_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key_arn) DO UPDATE SET operation = excluded.operation, event_time = excluded.event_time,
         written_at = excluded.written_at, event_id = excluded.event_id, request_id = excluded.request_id
       WHERE excluded.written_at >= key_last_usage.written_at`,
    );
    this.saveMany = writeTransaction(db, (uses: KeyUse[]) => {
      for (const u of uses) put.run(u.keyArn, u.operation, u.timestamp, u.at, u.eventId, u.requestId);
    });
  }

  async all(): Promise<KeyUse[]> {
    return this.allStmt.all().map(toUse);
  }

  async get(keyArn: string): Promise<KeyUse | undefined> {
    const row = this.getStmt.get(keyArn);
    return row && toUse(row);
  }

  async save(uses: KeyUse[]): Promise<void> {
    this.saveMany(uses);
  }
}
