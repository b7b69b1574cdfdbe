import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from './database.js';
import { SqliteKeyUsage } from './key-usage-store.js';

test('sqlite key usage: uses stored before uses were ordered by the millisecond keep their second as their order, and a later use replaces them', async () => {
  const db = openDatabase(':memory:');
  try {
    // The earlier version's schema and row, without written_at.
    db.exec(`CREATE TABLE schema_migrations (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES ('key-usage', 1);
      CREATE TABLE key_last_usage (key_arn TEXT PRIMARY KEY, operation TEXT NOT NULL, event_time INTEGER NOT NULL, event_id TEXT NOT NULL, request_id TEXT NOT NULL);
      INSERT INTO key_last_usage VALUES ('arn:k', 'Encrypt', 5000, 'old', 'r-old');`);
    const usage = new SqliteKeyUsage(db);
    assert.deepEqual(await usage.get('arn:k'), { keyArn: 'arn:k', operation: 'Encrypt', timestamp: 5000, at: 5000, eventId: 'old', requestId: 'r-old' });
    await usage.save([{ keyArn: 'arn:k', operation: 'Sign', timestamp: 4000, at: 4999, eventId: 'earlier', requestId: 'r' }]);
    assert.equal((await usage.get('arn:k'))?.eventId, 'old');
    await usage.save([{ keyArn: 'arn:k', operation: 'Sign', timestamp: 5000, at: 5400, eventId: 'later', requestId: 'r' }]);
    assert.equal((await usage.get('arn:k'))?.eventId, 'later');
  } finally {
    db.close();
  }
});
