import type { KeyUse, KeyUsageRepository, TrackedOperation } from '../../kms/key-usage.js';
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
];

interface UseRow {
  key_arn: string;
  operation: string;
  event_time: number;
  event_id: string;
  request_id: string;
}

export class SqliteKeyUsage implements KeyUsageRepository {
  private readonly allStmt;
  private readonly getStmt;
  private readonly saveMany;

  constructor(db: Db) {
    migrate(db, 'key-usage', KEY_USAGE_MIGRATIONS);
    this.allStmt = db.prepare<[], UseRow>('SELECT key_arn, operation, event_time, event_id, request_id FROM key_last_usage');
    this.getStmt = db.prepare<[string], UseRow>('SELECT key_arn, operation, event_time, event_id, request_id FROM key_last_usage WHERE key_arn = ?');
    // A node that saves later than another may hold an older use of the same key: the newer stays.
    const put = db.prepare(
      `INSERT INTO key_last_usage (key_arn, operation, event_time, event_id, request_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key_arn) DO UPDATE SET operation = excluded.operation, event_time = excluded.event_time,
         event_id = excluded.event_id, request_id = excluded.request_id
       WHERE excluded.event_time >= key_last_usage.event_time`,
    );
    this.saveMany = writeTransaction(db, (uses: KeyUse[]) => {
      for (const u of uses) put.run(u.keyArn, u.operation, u.timestamp, u.eventId, u.requestId);
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

const toUse = (r: UseRow): KeyUse => ({
  keyArn: r.key_arn,
  operation: r.operation as TrackedOperation,
  timestamp: r.event_time,
  eventId: r.event_id,
  requestId: r.request_id,
});
