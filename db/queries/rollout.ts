import { and, asc, eq, inArray, sql } from 'drizzle-orm';
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

/**
 * What a read receipt is computed from (docs/protocol.md#read-receipts): the thread's turn completions and read marks,
 * in order. A range of the (thread_id, seq) primary key; no payload of any other record is read.
 */
export function readReceiptRecords({ db, threadId }: { db: Db; threadId: string }): Pick<RolloutRow, 'type' | 'turnId' | 'payload'>[] {
  return receiptQuery(db).all({ threadId });
}

// thread/list computes a receipt for every thread on its page: built and prepared once per handle, not per thread
// (a page of 25 spent ~2 ms building and preparing this query 25 times).
const receiptQueries = new WeakMap<Db, ReturnType<typeof prepareReceiptQuery>>();

function prepareReceiptQuery(db: Db) {
  return db
    .select({ type: rolloutRecords.type, turnId: rolloutRecords.turnId, payload: rolloutRecords.payload })
    .from(rolloutRecords)
    .where(and(eq(rolloutRecords.threadId, sql.placeholder('threadId')), eq(rolloutRecords.kind, 'event'), inArray(rolloutRecords.type, ['turn_completed', 'read_mark'])))
    .orderBy(asc(rolloutRecords.seq))
    .prepare();
}

function receiptQuery(db: Db): ReturnType<typeof prepareReceiptQuery> {
  let q = receiptQueries.get(db);
  if (!q) receiptQueries.set(db, (q = prepareReceiptQuery(db)));
  return q;
}
