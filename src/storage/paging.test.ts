import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageOf, rowsFor } from './paging.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ seq: i + 1, doc: JSON.stringify({ name: `item-${i + 1}` }) }));
const parse = (r: { doc: string }) => JSON.parse(r.doc) as { name: string };

test('a page reads one row more than it returns', () => {
  assert.equal(rowsFor(10), 11);
  assert.equal(rowsFor(1), 2);
});

test('the extra row makes a cursor from the last item returned', () => {
  const page = pageOf(rows(rowsFor(3)), 3, parse, (item) => item.name);
  assert.deepEqual(page.items.map((i) => i.name), ['item-1', 'item-2', 'item-3']);
  assert.equal(page.next, 'item-3');
});

test('the cursor can come from the row instead of the item', () => {
  const page = pageOf(rows(5), 2, parse, (_, row) => String(row.seq));
  assert.deepEqual(page.items.map((i) => i.name), ['item-1', 'item-2']);
  assert.equal(page.next, '2');
});

test('no extra row: the last page, with no cursor', () => {
  for (const n of [0, 1, 3]) {
    const page = pageOf(rows(n), 3, parse, (item) => item.name);
    assert.equal(page.items.length, n);
    assert.equal(page.next, undefined, `${n} rows`);
  }
});

test('only the items returned are converted', () => {
  const converted: number[] = [];
  pageOf(rows(rowsFor(4)), 4, (r) => (converted.push(r.seq), r), (r) => String(r.seq));
  assert.deepEqual(converted, [1, 2, 3, 4]);
});
