import { test } from 'node:test';

/**
 * The shape every contract suite shares: each case opens a fresh store from the implementation's
 * factory, runs against it, and closes it whatever happened.
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
