import { test } from 'node:test';

/**
 * The shape every contract suite shares: each case opens a fresh store from the implementation's
 * factory, runs against it, and closes it whatever happened. A suite is a function of the
 * implementation's name and factory, so each implementation's test file runs every suite on its
 * own stores: sqlite/*.test.ts on in-memory databases, postgres/postgres-store.test.ts on a fresh
 * schema of a throwaway PostgreSQL for each case.
 */
export function storeCase<S extends { close(): Promise<void> }>(name: string, open: () => Promise<S>) {
  return (title: string, body: (store: S) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
}
