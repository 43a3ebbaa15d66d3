import { and, asc, eq, inArray } from 'drizzle-orm';
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

/** A thread's event records of the given types, in order (voice transcript lines and the turns they sit between). */
export function readEventsOfTypes({ db, threadId, types }: { db: Db; threadId: string; types: readonly string[] }): RolloutRow[] {
  return db
    .select()
    .from(rolloutRecords)
    .where(and(eq(rolloutRecords.threadId, threadId), eq(rolloutRecords.kind, 'event'), inArray(rolloutRecords.type, [...types])))
    .orderBy(asc(rolloutRecords.seq))
    .all();
}
