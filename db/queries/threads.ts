import { and, desc, eq, inArray, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { threads, type NewThreadRow, type ThreadRow } from '../schema';
import { explainSearchTitles, searchTitles, type ExplainedSearch } from './search';

export type SortKey = 'created_at' | 'updated_at';
export interface ListCursor {
  /** Sort key value (ms) of the last row of the previous page. */
  k: number;
  id: string;
}

export interface ListThreadsParams {
  archived: boolean;
  sortKey: SortKey;
  limit: number;
  cursor?: ListCursor | null;
  cwd?: string | null;
  modelProviders?: string[] | null;
  sourceKinds?: string[] | null;
  /** Literal, case-sensitive substring of the title (name, else preview); served by db/queries/search.ts. */
  searchTerm?: string | null;
}

export function insertThread({ db, row }: { db: Db; row: NewThreadRow }): void {
  db.insert(threads).values(row).run();
}

export function getThread({ db, id }: { db: Db; id: string }): ThreadRow | undefined {
  return db.select().from(threads).where(eq(threads.id, id)).get();
}

export function setThreadName({ db, id, name, updatedAt }: { db: Db; id: string; name: string | null; updatedAt: number }): void {
  db.update(threads).set({ name, updatedAt }).where(eq(threads.id, id)).run();
}

export function setThreadArchived({ db, id, archived, at }: { db: Db; id: string; archived: boolean; at: number }): void {
  db.update(threads)
    .set({ archived, archivedAt: archived ? at : null })
    .where(eq(threads.id, id))
    .run();
}

/** Records activity: bumps updated_at and fills the preview from the first user message. */
export function touchThread({ db, id, updatedAt, preview }: { db: Db; id: string; updatedAt: number; preview?: string }): void {
  if (preview !== undefined) {
    db.update(threads)
      .set({ updatedAt, preview })
      .where(and(eq(threads.id, id), eq(threads.preview, '')))
      .run();
  }
  db.update(threads).set({ updatedAt }).where(eq(threads.id, id)).run();
}

function listWhere(p: ListThreadsParams): SQL | undefined {
  const sortCol = p.sortKey === 'created_at' ? threads.createdAt : threads.updatedAt;
  const conds: (SQL | undefined)[] = [eq(threads.archived, p.archived)];
  if (p.cwd) conds.push(eq(threads.cwd, p.cwd));
  if (p.modelProviders && p.modelProviders.length > 0) conds.push(inArray(threads.modelProvider, p.modelProviders));
  if (p.sourceKinds && p.sourceKinds.length > 0) conds.push(inArray(threads.source, p.sourceKinds));
  if (p.cursor) {
    // `<=` bounds the index range; the OR then drops the rows at or before the cursor inside a tie.
    conds.push(lte(sortCol, p.cursor.k));
    conds.push(or(lt(sortCol, p.cursor.k), lt(threads.id, p.cursor.id)));
  }
  return and(...conds);
}

/** One page, newest first, ties ordered by id descending. Returns up to limit + 1 rows to reveal a next page. */
export function listThreads({ db, params }: { db: Db; params: ListThreadsParams }): ThreadRow[] {
  if (params.searchTerm) return searchTitles({ db, params: titleSearchParams(params, params.searchTerm) });
  const sortCol = params.sortKey === 'created_at' ? threads.createdAt : threads.updatedAt;
  return db
    .select()
    .from(threads)
    .where(listWhere(params))
    .orderBy(desc(sortCol), desc(threads.id))
    .limit(params.limit + 1)
    .all();
}

function titleSearchParams(p: ListThreadsParams, term: string) {
  return { ...p, term, sort: p.sortKey, direction: 'desc' as const, cursor: p.cursor ? { ...p.cursor, inc: false } : null };
}

/** The plan a title search (a listing with a searchTerm) takes, for tests that prove it uses an index. */
export function explainTitleSearch({ db, params }: { db: Db; params: ListThreadsParams & { searchTerm: string } }): ExplainedSearch {
  return explainSearchTitles({ db, params: titleSearchParams(params, params.searchTerm) });
}

/** The query plan of listThreads without a search term, for tests that prove listing reads one index. */
export function explainListThreads({ db, params }: { db: Db; params: ListThreadsParams }): string[] {
  const sortCol = params.sortKey === 'created_at' ? threads.createdAt : threads.updatedAt;
  const query = db
    .select()
    .from(threads)
    .where(listWhere(params))
    .orderBy(desc(sortCol), desc(threads.id))
    .limit(params.limit + 1)
    .toSQL();
  const rows = db.$client.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.params as unknown[])) as { detail: string }[];
  return rows.map((r) => r.detail);
}
