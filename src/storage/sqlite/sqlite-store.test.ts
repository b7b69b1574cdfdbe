import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kmsStoreContract } from '../contract.js';
import { openSqliteStore } from './sqlite-store.js';

kmsStoreContract('sqlite', async () => openSqliteStore(':memory:'));

test('sqlite: a reopened file keeps what was written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-sqlite-'));
  try {
    const file = join(dir, 'k.db');
    const first = openSqliteStore(file);
    await first.settings.set('x', 'kept');
    await first.close();
    const second = openSqliteStore(file);
    assert.equal(await second.settings.get('x'), 'kept');
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
