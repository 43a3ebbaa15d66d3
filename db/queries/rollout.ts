import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type Database from 'better-sqlite3';
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

/** A thread's records after `seq`, in order (what another writer appended past a loaded handle's sequence). */
export function readRolloutAfter({ db, threadId, seq }: { db: Db; threadId: string; seq: number }): RolloutRow[] {
  return db.select().from(rolloutRecords).where(and(eq(rolloutRecords.threadId, threadId), gt(rolloutRecords.seq, seq))).orderBy(asc(rolloutRecords.seq)).all();
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
 * in order, a turn completion's payload null. A range of the partial index `rollout_receipts` (migration 0004),
 * which holds only these records with their type and turn id, so only a read mark's row is read (for its payload).
 */
export function readReceiptRecords({ db, threadId }: { db: Db; threadId: string }): Pick<RolloutRow, 'type' | 'turnId' | 'payload'>[] {
  const rows = receiptQuery(db).all(threadId) as { type: string; turnId: string | null; payload: string | null }[];
  return rows.map((r) => ({ type: r.type, turnId: r.turnId, payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown) }));
}

/**
 * The receipt query. Its WHERE holds the partial index's own terms literally (SQLite uses a partial index only
 * then; bound parameters would not do), and INDEXED BY makes the choice explicit: the planner, seeing the
 * payload column, would otherwise walk the primary key. thread/list runs it for every thread on its page, so it
 * is prepared once per handle.
 */
export const READ_RECEIPT_SQL = `SELECT type, turn_id AS turnId, CASE WHEN type = 'read_mark' THEN payload END AS payload
  FROM rollout_records INDEXED BY rollout_receipts
  WHERE thread_id = ? AND kind = 'event' AND type IN ('turn_completed', 'read_mark') ORDER BY seq`;

const receiptQueries = new WeakMap<Db, Database.Statement>();

function receiptQuery(db: Db): Database.Statement {
  let q = receiptQueries.get(db);
  if (!q) receiptQueries.set(db, (q = db.$client.prepare(READ_RECEIPT_SQL)));
  return q;
}
