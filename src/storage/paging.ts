import type { Page } from '../kms/repository.js';

/**
 * One page from rows read with `LIMIT rowsFor(limit)`: the first `limit` rows as items and, when
 * the extra row came back, the cursor of the last one returned (from its item or its row), which
 * the next read starts after.
 */
export function pageOf<R, T>(rows: readonly R[], limit: number, toItem: (row: R) => T, cursorOf: (item: T, row: R) => string): Page<T> {
  const kept = rows.slice(0, limit);
  const items = kept.map(toItem);
  const last = kept.length - 1;
  return { items, next: rows.length > limit && last >= 0 ? cursorOf(items[last]!, kept[last]!) : undefined };
}

/** How many rows a page of `limit` reads: one more, to tell whether another page follows. */
export const rowsFor = (limit: number): number => limit + 1;
