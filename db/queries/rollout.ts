import { asc, eq, max } from 'drizzle-orm';
import type { Db } from '../client';
import { rolloutRecords, type RolloutRow } from '../schema';

export type NewRolloutRecord = typeof rolloutRecords.$inferInsert;

export function appendRollout({ db, records }: { db: Db; records: NewRolloutRecord[] }): void {
  if (records.length === 0) return;
  db.insert(rolloutRecords).values(records).run();
}

export function readRollout({ db, threadId }: { db: Db; threadId: string }): RolloutRow[] {
  return db.select().from(rolloutRecords).where(eq(rolloutRecords.threadId, threadId)).orderBy(asc(rolloutRecords.seq)).all();
}

export function lastRolloutSeq({ db, threadId }: { db: Db; threadId: string }): number {
  const row = db.select({ v: max(rolloutRecords.seq) }).from(rolloutRecords).where(eq(rolloutRecords.threadId, threadId)).get();
  return row?.v ?? 0;
}

/** Copies a thread's whole rollout under another thread id (thread/fork). */
export function copyRollout({ db, fromThreadId, toThreadId }: { db: Db; fromThreadId: string; toThreadId: string }): void {
  const rows = readRollout({ db, threadId: fromThreadId });
  appendRollout({ db, records: rows.map((r) => ({ ...r, threadId: toThreadId })) });
}
