import type { ClockSettingRepository } from '../../core/clock-setting.js';
import { CLOCK_COUNTER } from '../../core/shared-state.js';
import { changeCountersOn } from './change-counters.js';
import type { Db } from './database.js';
import { writeTransaction } from './write-lock.js';

// In the settings table (the KMS part's, which must exist first), where the offset always was.
const OFFSET = 'clock.offsetMs';
const STANDING_AT = 'clock.standingAt';

/** The clock's setting on the shared database; each change moves the clock's counter in its transaction. */
export function clockSettingStoreOn(db: Db): ClockSettingRepository {
  const counters = changeCountersOn(db);
  const get = db.prepare<[string], string>('SELECT value FROM settings WHERE name = ?').pluck();
  const set = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
  const stored = (): number => {
    const value = get.get(OFFSET);
    return value === undefined ? 0 : Number(value);
  };
  const changeTx = writeTransaction(db, (change: (offsetMs: number) => number): number => {
    const next = change(stored());
    set.run(OFFSET, String(next));
    counters.bump(CLOCK_COUNTER);
    return next;
  });
  const standTx = writeTransaction(db, (ms: number) => {
    set.run(STANDING_AT, String(ms));
    counters.bump(CLOCK_COUNTER);
  });
  return {
    offset: async () => stored(),
    changeOffset: async (change) => changeTx(change),
    standingAt: async () => {
      const value = Number(get.get(STANDING_AT));
      return Number.isSafeInteger(value) ? value : undefined;
    },
    setStandingAt: async (ms) => standTx(ms),
  };
}
