// Title and full-text search over the FTS5 indexes of migration 0001 (docs/architecture.md#full-text-search).
//
// Every query picks one of two plans, both correct, by how many rows match:
// - index: the FTS5 index yields the matching rows (a trigram phrase for a term of 3+ characters; for 1–2
//   characters, the vocabulary's trigrams that start with the term, OR-ed), which are then sorted. Cheap when
//   few rows match. The match runs once: its rowids (fewer than the cap) feed the page query.
// - scan: walk `threads` in page order on its listing index and test each row (its title, or its search
//   docs), stopping at the page's end. Cheap when many rows match, since the page fills at once.
// The index tells which: it lists the matches, up to a cap.
//
// Title search asks its index first for the rows holding every trigram of a cover of the term (its trigrams at
// every third character, and the last): an AND of a few doclists, which FTS5 walks by skipping, where the
// exact phrase must read the position lists of every trigram, common ones included (a rare title term at 1M
// threads: 0.5 against 1.5–2.1 ms). That is a superset of the matches, so the page query checks each title
// with `instr`; only when the superset reaches the cap does the exact phrase decide the plan.
import Database from 'better-sqlite3';
import type { Db } from '../client';
import type { SearchDocRow, ThreadRow } from '../schema';

export type SearchSortColumn = 'created_at' | 'updated_at';
export type SearchDirection = 'asc' | 'desc';

export interface SearchCursor {
  /** Sort key value (ms) and id of the anchor row. */
  k: number;
  id: string;
  /** Whether the anchor row itself belongs to the page (a backwards cursor starts at its anchor). */
  inc: boolean;
}

export interface ThreadSearchParams {
  term: string;
  archived: boolean;
  sort: SearchSortColumn;
  direction: SearchDirection;
  limit: number;
  cursor?: SearchCursor | null;
  cwd?: string | null;
  modelProviders?: string[] | null;
  sourceKinds?: string[] | null;
}

/**
 * Past this many matches the scan plan is used (see the file comment). Each bounds the other plan's worst case:
 * the index plan costs a few µs per match, the scan about 26·N/cap rows (titles: a fraction of a µs each in
 * the listing index; content: a thread's docs each), so the caps balance the two at 1M titles and 1M
 * messages; `bench/search.ts` measures both sides.
 */
export const TITLE_INDEX_CAP = 1000;
export const CONTENT_INDEX_CAP = 2000;
/** A 1–2 character term whose vocabulary expansion has more trigrams than this is served by the scan plan. */
const MAX_EXPANSION_TERMS = 2000;
/** The name of the SQL function (registered by db/client.ts) that folds case like the index: `foldCase`. */
export const FOLD_FUNCTION = 'codex_web_fold';

/**
 * The trigram tokenizer's case fold, one character to one, read from SQLite itself: each character that any
 * case mapping changes (and U+FFFE/U+FFFF, which FTS5 reads as U+FFFD) is tokenized once in a scratch FTS5
 * table and its folded form read back from the vocabulary. `String#toLowerCase` is not that fold: it keeps
 * `ς`, `µ`, `ſ` apart from `σ`, `μ`, `s`, turns a word-final `Σ` into `ς`, and `İ` into two characters.
 * `map`: each character the fold changes; `pattern`: those characters; `unlike`: the characters on which
 * `toLowerCase` and the fold differ (and `Σ`, which `toLowerCase` lowers by context).
 */
let fold: { map: Map<string, string>; pattern: RegExp; unlike: RegExp } | null = null;

const charClass = (chars: string[], flags: string) => new RegExp(`[${chars.map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('')}]`, flags);

function caseFold(): NonNullable<typeof fold> {
  if (fold) return fold;
  const scratch = new Database(':memory:');
  try {
    scratch.exec(`CREATE VIRTUAL TABLE f USING fts5(t, tokenize='trigram'); CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance');`);
    const insert = scratch.prepare('INSERT INTO f (rowid, t) VALUES (?, ?)');
    const cased = /[\p{Changes_When_Casefolded}\p{Changes_When_Casemapped}]/u;
    const candidates: string[] = [];
    scratch.transaction(() => {
      for (let cp = 0x41; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCodePoint(cp);
        if (!cased.test(c) && cp !== 0xfffe && cp !== 0xffff) continue;
        candidates.push(c);
        insert.run(cp, `${c}\u0001\u0001`);
      }
    })();
    const map = new Map<string, string>();
    for (const { doc, term } of scratch.prepare('SELECT doc, term FROM v').all() as { doc: number; term: string }[]) {
      const from = String.fromCodePoint(doc);
      const to = String.fromCodePoint(term.codePointAt(0)!);
      // Same UTF-16 length (true of every entry): an offset in folded text is the same offset in the text.
      if (from !== to && from.length === to.length) map.set(from, to);
    }
    const unlike = candidates.filter((c) => c === '\u03a3' || c.toLowerCase() !== (map.get(c) ?? c));
    return (fold = { map, pattern: charClass([...map.keys()], 'gu'), unlike: charClass(unlike, 'u') });
  } finally {
    scratch.close();
  }
}

/**
 * `text` with every character folded as the case-insensitive index folds it: one character to one of the same
 * UTF-16 length, so offsets hold. Native `toLowerCase` when the text holds no character on which the two differ.
 */
export function foldCase(text: string): string {
  const { map, pattern, unlike } = caseFold();
  return unlike.test(text) ? text.replace(pattern, (c) => map.get(c) ?? c) : text.toLowerCase();
}

/** The characters other than ASCII that the index folds to ASCII (the Kelvin sign, the long s), with their fold. */
let toAscii: [string, string][] | null = null;
function foldedToAscii(): [string, string][] {
  return (toAscii ??= [...caseFold().map].filter(([from, to]) => from.codePointAt(0)! > 0x7f && to.codePointAt(0)! <= 0x7f));
}

/** `rowids`: every FTS match (fewer than the cap), found once and reused by the page query. */
type Plan = { kind: 'none' } | { kind: 'scan' } | { kind: 'index'; rowids: string; fts: string; match: string };

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db.$client);
  if (!cache) statements.set(db.$client, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.$client.prepare(sql)));
  return stmt;
}

/** An FTS5 string literal: the term as one phrase, every character literal. */
export function ftsPhrase(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** A UTF-16 surrogate without its pair (with the `u` flag a pair is one code point, never matched). */
const LONE_SURROGATE = /\p{Cs}/u;

/** True for a term the scan plan may look for in SQLite's ASCII-only `lower()` (see `foldedContains`). */
const isAscii = (s: string) => ![...s].some((c) => c.charCodeAt(0) > 0x7f);

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The term's trigrams at every third character, and its last one, AND-ed: every row holding the term holds
 * them all (a superset of the phrase's matches, for a term of 4+ characters).
 */
export function ftsCover(term: string): string {
  const chars = [...term];
  const starts = new Set<number>();
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.add(i);
  starts.add(chars.length - 3);
  return [...starts].map((i) => ftsPhrase(chars.slice(i, i + 3).join(''))).join(' AND ');
}

/**
 * How to find `term` in an FTS5 table. `folded`: the table folds case (its vocabulary is lower case).
 * `verified`: the page query checks each row's text itself, so the index may yield a superset (see the file
 * comment). A term holding U+0001 (the padding character) could match the padding itself, FTS5 reads a query
 * only up to a U+0000, and a lone surrogate is stored as bytes that are not UTF-8 (which the trigram tokenizer
 * does not split as the term is): only the scan is literal then.
 */
function planFor(db: Db, o: { fts: string; vocab: string; term: string; folded: boolean; verified: boolean; cap: number }): Plan {
  if (o.term.includes('\u0001') || o.term.includes('\u0000') || LONE_SURROGATE.test(o.term)) return { kind: 'scan' };
  const matches = (match: string) => prepared(db, `SELECT rowid FROM ${o.fts} WHERE ${o.fts} MATCH ? LIMIT ${o.cap}`).pluck().all(match) as number[];
  let match: string;
  const length = codePoints(o.term);
  if (o.verified && length >= 4) {
    const cover = ftsCover(o.term);
    const rowids = matches(cover);
    if (rowids.length === 0) return { kind: 'none' };
    if (rowids.length < o.cap) return { kind: 'index', rowids: JSON.stringify(rowids), fts: o.fts, match: cover };
    match = ftsPhrase(o.term);
  } else if (length >= 3) match = ftsPhrase(o.term);
  else {
    const from = o.folded ? foldCase(o.term) : o.term;
    const rows = prepared(db, `SELECT term FROM ${o.vocab} WHERE term >= ? AND term < ? LIMIT ${MAX_EXPANSION_TERMS + 1}`).pluck().all(from, `${from}\u{10FFFF}`) as string[];
    if (rows.length === 0) return { kind: 'none' };
    if (rows.length > MAX_EXPANSION_TERMS) return { kind: 'scan' };
    match = rows.map(ftsPhrase).join(' OR ');
  }
  const rowids = matches(match);
  if (rowids.length === 0) return { kind: 'none' };
  return rowids.length >= o.cap ? { kind: 'scan' } : { kind: 'index', rowids: JSON.stringify(rowids), fts: o.fts, match };
}

/** The WHERE conditions every search shares (archived, filters, cursor) on table alias `t`, and their params. */
function filters(p: ThreadSearchParams): { sql: string; params: unknown[] } {
  const conds = ['t.archived = ?'];
  const params: unknown[] = [p.archived ? 1 : 0];
  if (p.cwd) {
    conds.push('t.cwd = ?');
    params.push(p.cwd);
  }
  if (p.modelProviders && p.modelProviders.length > 0) {
    conds.push('t.model_provider IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(p.modelProviders));
  }
  if (p.sourceKinds && p.sourceKinds.length > 0) {
    conds.push('t.source IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(p.sourceKinds));
  }
  if (p.cursor) {
    const col = `t.${p.sort}`;
    const [bound, strict] = p.direction === 'desc' ? ['<=', '<'] : ['>=', '>'];
    const idCmp = p.cursor.inc ? `${strict}=` : strict;
    // The first bound keeps the index range tight; the second drops the rows of the tie before the anchor.
    conds.push(`${col} ${bound} ?`, `(${col} ${strict} ? OR t.id ${idCmp} ?)`);
    params.push(p.cursor.k, p.cursor.k, p.cursor.id);
  }
  return { sql: conds.join(' AND '), params };
}

const orderBy = (p: ThreadSearchParams) => `t.${p.sort} ${p.direction.toUpperCase()}, t.id ${p.direction.toUpperCase()}`;

interface RawThreadRow {
  id: string;
  name: string | null;
  preview: string;
  title: string;
  cwd: string;
  model: string;
  model_provider: string;
  source: string;
  cli_version: string;
  git_info: string | null;
  forked_from_id: string | null;
  created_at: number;
  updated_at: number;
  archived: number;
  archived_at: number | null;
}

const THREAD_COLUMNS =
  't.id, t.name, t.preview, t.title, t.cwd, t.model, t.model_provider, t.source, t.cli_version, t.git_info, t.forked_from_id, t.created_at, t.updated_at, t.archived, t.archived_at';

function toRow(r: RawThreadRow): ThreadRow {
  let gitInfo: unknown = null;
  if (r.git_info !== null) {
    try {
      gitInfo = JSON.parse(r.git_info);
    } catch {
      gitInfo = null;
    }
  }
  return {
    id: r.id,
    name: r.name,
    preview: r.preview,
    title: r.title,
    cwd: r.cwd,
    model: r.model,
    modelProvider: r.model_provider,
    source: r.source,
    cliVersion: r.cli_version,
    gitInfo,
    forkedFromId: r.forked_from_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    archived: r.archived !== 0,
    archivedAt: r.archived_at,
  };
}

/**
 * The index plan's page: the matching threads (`from`, rows aliased `t`, filtered by `where`) are sorted on the
 * sort key and id alone, and only the page's rows are then read whole (a rare title term at 1M threads, the
 * query alone: 4.2 ms, against 4.9 ms when up to a cap of whole rows were sorted).
 */
function indexPage(p: ThreadSearchParams, from: string, where: string): string {
  return `SELECT ${THREAD_COLUMNS} FROM (SELECT t.key AS key FROM ${from} WHERE ${where} ORDER BY ${orderBy(p)} LIMIT ?) page
          CROSS JOIN threads t ON t.key = page.key ORDER BY ${orderBy(p)}`;
}

// ---- title search (thread/list searchTerm: literal, case-sensitive) ------------------------------------------

function titleQuery(p: ThreadSearchParams, plan: Exclude<Plan, { kind: 'none' }>): { sql: string; params: unknown[] } {
  const f = filters(p);
  if (plan.kind === 'scan') {
    return {
      sql: `SELECT ${THREAD_COLUMNS} FROM threads t WHERE ${f.sql} AND instr(t.title, ?) > 0 ORDER BY ${orderBy(p)} LIMIT ?`,
      params: [...f.params, p.term, p.limit + 1],
    };
  }
  // CROSS JOIN keeps this join order: the FTS matches drive, each one lookup of its row by key. `instr`
  // drops the cover's rows that hold the trigrams but not the term.
  return {
    sql: indexPage(p, `json_each(?) m CROSS JOIN threads t ON t.key = m.value`, `${f.sql} AND instr(t.title, ?) > 0`),
    params: [plan.rowids, ...f.params, p.term, p.limit + 1],
  };
}

function titlePlan(db: Db, term: string): Plan {
  return planFor(db, { fts: 'thread_titles_fts', vocab: 'thread_titles_vocab', term, folded: false, verified: true, cap: TITLE_INDEX_CAP });
}

/** Threads whose title (name, else preview) contains `term` (case-sensitive), one page plus one row. */
export function searchTitles({ db, params }: { db: Db; params: ThreadSearchParams }): ThreadRow[] {
  if (params.term === '') return [];
  const plan = titlePlan(db, params.term);
  if (plan.kind === 'none') return [];
  const q = titleQuery(params, plan);
  return (prepared(db, q.sql).all(...q.params) as RawThreadRow[]).map(toRow);
}

// ---- full-text search (thread/search: literal, case-insensitive) ---------------------------------------------

function contentPlan(db: Db, term: string): Plan {
  return planFor(db, { fts: 'search_docs_fts', vocab: 'search_docs_vocab', term, folded: true, verified: false, cap: CONTENT_INDEX_CAP });
}

/**
 * `instr` over folded text. An ASCII term can only match characters that fold to ASCII: SQLite's own `lower()`
 * folds the ASCII letters, after the few others the index folds to ASCII (the Kelvin sign, the long s) are
 * replaced by their fold; any other term reads the text through `foldCase`.
 */
function foldedContains(column: string, term: string): { sql: string; param: string } {
  if (!isAscii(term)) return { sql: `instr(${FOLD_FUNCTION}(${column}), ?) > 0`, param: foldCase(term) };
  let folded = column;
  for (const [from, to] of foldedToAscii()) folded = `replace(${folded}, '${from}', '${to}')`;
  return { sql: `instr(lower(${folded}), ?) > 0`, param: term.toLowerCase() };
}

function contentQuery(p: ThreadSearchParams, plan: Exclude<Plan, { kind: 'none' }>): { sql: string; params: unknown[] } {
  const f = filters(p);
  if (plan.kind === 'scan') {
    const c = foldedContains('d.text', p.term);
    return {
      sql: `SELECT ${THREAD_COLUMNS} FROM threads t WHERE ${f.sql} AND EXISTS (SELECT 1 FROM search_docs d WHERE d.thread_id = t.id AND ${c.sql})
            ORDER BY ${orderBy(p)} LIMIT ?`,
      params: [...f.params, c.param, p.limit + 1],
    };
  }
  return {
    sql: indexPage(p, `(SELECT DISTINCT d.thread_id AS thread_id FROM json_each(?) m CROSS JOIN search_docs d ON d.id = m.value) hit CROSS JOIN threads t ON t.id = hit.thread_id`, f.sql),
    params: [plan.rowids, ...f.params, p.limit + 1],
  };
}

/** Threads with a search doc (message, answer, transcript) containing `term`, case-insensitively; a page plus one. */
export function searchContent({ db, params }: { db: Db; params: ThreadSearchParams }): ThreadRow[] {
  if (params.term === '') return [];
  const plan = contentPlan(db, params.term);
  if (plan.kind === 'none') return [];
  const q = contentQuery(params, plan);
  return (prepared(db, q.sql).all(...q.params) as RawThreadRow[]).map(toRow);
}

/** A thread's search docs in rollout order, optionally only those containing `term` (case-insensitively). */
export function threadDocs({ db, threadId, term, limit }: { db: Db; threadId: string; term?: string; limit?: number }): SearchDocRow[] {
  const c = term ? foldedContains('text', term) : null;
  const sql = `SELECT id, thread_id AS threadId, seq, turn_id AS turnId, item_id AS itemId, role, origin, text FROM search_docs
               WHERE thread_id = ?${c ? ` AND ${c.sql}` : ''} ORDER BY seq${limit ? ' LIMIT ?' : ''}`;
  const params: unknown[] = [threadId];
  if (c) params.push(c.param);
  if (limit) params.push(limit);
  return prepared(db, sql).all(...params) as SearchDocRow[];
}

// ---- query plans, for tests and the benchmark ------------------------------------------------------------------

export interface ExplainedSearch {
  plan: 'none' | 'scan' | 'index';
  details: string[];
}

function explain(db: Db, q: { sql: string; params: unknown[] }): string[] {
  return (db.$client.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
}

/** An index plan's two steps: the FTS match (run while planning), then the page query over its rowids. */
function explainPlan(db: Db, plan: Exclude<Plan, { kind: 'none' }>, q: { sql: string; params: unknown[] }): string[] {
  const match = plan.kind === 'index' ? explain(db, { sql: `SELECT rowid FROM ${plan.fts} WHERE ${plan.fts} MATCH ?`, params: [plan.match] }) : [];
  return [...match, ...explain(db, q)];
}

export function explainSearchTitles({ db, params }: { db: Db; params: ThreadSearchParams }): ExplainedSearch {
  const plan = titlePlan(db, params.term);
  return plan.kind === 'none' ? { plan: 'none', details: [] } : { plan: plan.kind, details: explainPlan(db, plan, titleQuery(params, plan)) };
}

export function explainSearchContent({ db, params }: { db: Db; params: ThreadSearchParams }): ExplainedSearch {
  const plan = contentPlan(db, params.term);
  return plan.kind === 'none' ? { plan: 'none', details: [] } : { plan: plan.kind, details: explainPlan(db, plan, contentQuery(params, plan)) };
}
