/** An async queue with a hard bound; pushing past it fails the consumer instead of growing. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | null = null;
  overflowed = false;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.overflowed) return;
    if (this.items.length >= this.limit) this.overflowed = true;
    else this.items.push(item);
    this.waiter?.();
  }

  /** Waits until an item is available or the queue overflowed or `signal` aborted. */
  async next(signal?: AbortSignal): Promise<T | null> {
    while (this.items.length === 0 && !this.overflowed && !signal?.aborted) {
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      // One listener per wait, removed again: a long subscription must not pile them up.
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      this.waiter = null;
    }
    if (this.overflowed || signal?.aborted) return null;
    return this.items.shift() ?? null;
  }
}
