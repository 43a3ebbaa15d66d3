import { asc, eq } from 'drizzle-orm';
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
