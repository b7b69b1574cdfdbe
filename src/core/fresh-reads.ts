/**
 * Reads of shared state that many requests ask for at once, each answered by a read that started
 * after it was asked for, and no more reads than that needs: while a read of a key runs, everyone
 * who asks for the key waits for the one read that starts when it ends. Under load a node makes one
 * read of a key per round trip to the store instead of one per request, and no request sees state
 * older than its own arrival (what a read already running could show).
 */
export class FreshReads<K, T> {
  private readonly slots = new Map<K, { running: Promise<T>; next?: Promise<T> }>();

  /** A read of `key` that starts now or when the one running ends; `read` is how to make it, the same for every caller of a key. */
  get(key: K, read: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, read);
    return (slot.next ??= slot.running.then(settled, settled).then(() => this.start(key, read)));
  }

  /** Keys with a read running: none once every read has ended. */
  get size(): number {
    return this.slots.size;
  }

  private start(key: K, read: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = read();
    } catch (err) {
      running = Promise.reject(err);
    }
    const slot: { running: Promise<T>; next?: Promise<T> } = { running };
    this.slots.set(key, slot);
    void running.then(settled, settled).then(() => {
      if (this.slots.get(key) === slot && slot.next === undefined) this.slots.delete(key);
    });
    return running;
  }
}

const settled = (): void => {};
