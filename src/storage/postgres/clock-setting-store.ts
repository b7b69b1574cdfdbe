import type { ClockSettingRepository } from '../../core/clock-setting.js';
import { CLOCK_COUNTER } from '../../core/shared-state.js';
import { bumpCounter } from './change-counters.js';
import { type PgDatabase, statement } from './database.js';
import { inTransaction } from './transaction.js';

// In the settings table (the KMS part's), where the offset always was.
const OFFSET = 'clock.offsetMs';
const STANDING_AT = 'clock.standingAt';

const SETTING = {
  get: statement('clock-setting-get', 'SELECT value FROM settings WHERE name = $1'),
  // The row made first if missing, so that there is always a row for FOR UPDATE to lock.
  ensure: statement('clock-setting-ensure', 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING'),
  locked: statement('clock-setting-locked', 'SELECT value FROM settings WHERE name = $1 FOR UPDATE'),
  set: statement('clock-setting-set', 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
};

/** The clock's setting; each change moves the clock's counter in its transaction, so every node follows it. */
export function pgClockSettingRepository(db: PgDatabase): ClockSettingRepository {
  const read = async (name: string) => (await db.pool.query<{ value: string }>(SETTING.get(name))).rows[0]?.value;
  return {
    offset: async () => {
      const value = await read(OFFSET);
      return value === undefined ? 0 : Number(value);
    },
    // Concurrent moves on several nodes queue on the row's lock: each sees the one before.
    changeOffset: (change) =>
      inTransaction(db.pool, async (tx) => {
        await tx.query(SETTING.ensure(OFFSET, '0'));
        const stored = Number((await tx.query<{ value: string }>(SETTING.locked(OFFSET))).rows[0]!.value);
        const next = change(stored);
        await tx.query(SETTING.set(OFFSET, String(next)));
        await bumpCounter(tx, CLOCK_COUNTER);
        return next;
      }),
    standingAt: async () => {
      const value = Number(await read(STANDING_AT));
      return Number.isSafeInteger(value) ? value : undefined;
    },
    setStandingAt: (ms) =>
      inTransaction(db.pool, async (tx) => {
        await tx.query(SETTING.set(STANDING_AT, String(ms)));
        await bumpCounter(tx, CLOCK_COUNTER);
      }),
  };
}
