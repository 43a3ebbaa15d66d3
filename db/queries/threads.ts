import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { threads, type NewThreadRow, type ThreadRow } from '../schema';
import { explainSearchTitles, searchTitles, type ExplainedSearch } from './search';

/** Every column but `key`, which only the search index reads (db/schema.ts). */
const { key: _key, ...threadColumns } = getTableColumns(threads);

export type SortKey = 'created_at' | 'updated_at';
export interface ListCursor {
  /** Sort key value (ms) of the last row of the previous page. */
  k: number;
  id: string;
}

export interface ListThreadsParams {
  archived: boolean;
  sortKey: SortKey;
  /** desc (default): newest first. */
  direction?: 'asc' | 'desc';
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
  return db.select(threadColumns).from(threads).where(eq(threads.id, id)).get();
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
  // A thread with neither a user message nor a name is not listed, like the reference's (docs/protocol.md#threads):
  // its title is empty. The title is in the listing indexes, so this costs no row lookup.
  const conds: (SQL | undefined)[] = [eq(threads.archived, p.archived), sql`${threads.title} <> ''`];
  if (p.cwd) conds.push(eq(threads.cwd, p.cwd));
  if (p.modelProviders && p.modelProviders.length > 0) conds.push(inArray(threads.modelProvider, p.modelProviders));
  if (p.sourceKinds && p.sourceKinds.length > 0) conds.push(inArray(threads.source, p.sourceKinds));
  if (p.cursor && p.direction === 'asc') {
    conds.push(gte(sortCol, p.cursor.k));
    conds.push(or(gt(sortCol, p.cursor.k), gt(threads.id, p.cursor.id)));
  } else if (p.cursor) {
    // `<=` bounds the index range; the OR then drops the rows at or before the cursor inside a tie.
    conds.push(lte(sortCol, p.cursor.k));
    conds.push(or(lt(sortCol, p.cursor.k), lt(threads.id, p.cursor.id)));
  }
  return and(...conds);
}

function listOrder(p: ListThreadsParams): SQL[] {
  const sortCol = p.sortKey === 'created_at' ? threads.createdAt : threads.updatedAt;
  return p.direction === 'asc' ? [asc(sortCol), asc(threads.id)] : [desc(sortCol), desc(threads.id)];
}

/** One page, newest first (or oldest first), ties ordered by id the same way. Returns up to limit + 1 rows to reveal a next page. */
export function listThreads({ db, params }: { db: Db; params: ListThreadsParams }): ThreadRow[] {
  if (params.searchTerm) return searchTitles({ db, params: titleSearchParams(params, params.searchTerm) });
  return db
    .select(threadColumns)
    .from(threads)
    .where(listWhere(params))
    .orderBy(...listOrder(params))
    .limit(params.limit + 1)
    .all();
}

function titleSearchParams(p: ListThreadsParams, term: string) {
  return { ...p, term, sort: p.sortKey, direction: p.direction ?? 'desc', cursor: p.cursor ? { ...p.cursor, inc: false } : null };
}

/** The plan a title search (a listing with a searchTerm) takes, for tests that prove it uses an index. */
export function explainTitleSearch({ db, params }: { db: Db; params: ListThreadsParams & { searchTerm: string } }): ExplainedSearch {
  return explainSearchTitles({ db, params: titleSearchParams(params, params.searchTerm) });
}

/** The query plan of listThreads without a search term, for tests that prove listing reads one index. */
export function explainListThreads({ db, params }: { db: Db; params: ListThreadsParams }): string[] {
  const query = db
    .select(threadColumns)
    .from(threads)
    .where(listWhere(params))
    .orderBy(...listOrder(params))
    .limit(params.limit + 1)
    .toSQL();
  const rows = db.$client.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.params as unknown[])) as { detail: string }[];
  return rows.map((r) => r.detail);
}
