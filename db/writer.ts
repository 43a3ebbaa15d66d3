import type { Db } from './client';

export class WriterOverloadedError extends Error {
  constructor() {
    super('write queue is full');
  }
}

interface PendingWrite {
  op: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit (docs/architecture.md#write-then-publish): writes submitted during one event-loop turn run in
 * a single transaction; each promise settles after that transaction committed, so callers publish
 * only what is durable. If a batch fails, its writes are retried one by one so a bad write cannot
 * sink its neighbours.
 */
export class GroupCommitWriter {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  batches = 0;

  constructor(
    private readonly db: Db,
    private readonly maxPending = 100_000,
  ) {}

  submit(op: () => void): Promise<void> {
    if (this.pending.length >= this.maxPending) return Promise.reject(new WriterOverloadedError());
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also used at shutdown). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.batches++;
    try {
      // One connection, synchronous driver: ops issue their statements on the same handle inside BEGIN/COMMIT.
      this.db.transaction(() => {
        for (const w of batch) w.op();
      });
      for (const w of batch) w.resolve();
    } catch {
      for (const w of batch) {
        try {
          this.db.transaction(() => w.op());
          w.resolve();
        } catch (err) {
          w.reject(err);
        }
      }
    }
  }
}
