// thread/search and thread/searchOccurrences (docs/protocol.md#search): literal, case-insensitive search over
// the visible text of threads (user messages, agent answers, voice transcripts), answered from the FTS5 index
// the rollout writes keep (db/queries/search.ts); never a scan of rollouts.
import { z } from 'zod';
import type { Db } from '../../../db/client';
import * as searchQueries from '../../../db/queries/search';
import { invalidRequest } from '../../protocol/errors';
import type {
  ThreadSearchOccurrence,
  ThreadSearchOccurrencesParams,
  ThreadSearchOccurrencesResponse,
  ThreadSearchParams,
  ThreadSearchResponse,
} from '../../protocol/search';
import { DEFAULT_LIST_LIMIT, INTERACTIVE_SOURCE_KINDS, MAX_LIST_LIMIT, storedSources } from '../../protocol/thread';
import type { ThreadService } from './api';
import { turnCursorAt } from './history';

/** A term longer than this is refused: no message we index is searched for a page of text. */
export const MAX_SEARCH_TERM_CHARS = 1000;
const DEFAULT_OCCURRENCES_PAGE = 50;
/** Characters of context a snippet keeps before and after its match. */
const SNIPPET_BEFORE = 60;
const SNIPPET_AFTER = 140;
/** Occurrences collected per call before paging (bounded, docs/architecture.md#bounded-everything). */
const MAX_OCCURRENCES = 10_000;

const searchCursor = z.object({ s: z.enum(['created_at', 'updated_at', 'recency_at']), d: z.enum(['asc', 'desc']), k: z.number().int(), id: z.string().min(1), inc: z.boolean() });
const occurrencesCursor = z.object({ t: z.string(), q: z.string(), i: z.number().int().min(0) });

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode<T>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw invalidRequest(`invalid cursor: ${JSON.stringify(cursor.slice(0, 64))}`);
}

function checkTerm(term: string): void {
  if (term.length > MAX_SEARCH_TERM_CHARS) throw invalidRequest(`searchTerm must be at most ${MAX_SEARCH_TERM_CHARS} characters`);
}

/**
 * Every match of `term` in `text` (literal, case-insensitive as the index folds case: `foldCase`, one character
 * to one of the same length, so offsets in the folded text are offsets in `text`), as UTF-16 [start, end)
 * offsets. A match never starts or ends inside a surrogate pair.
 */
export function findMatches(text: string, term: string, max = Infinity): { start: number; end: number }[] {
  if (term === '') return [];
  const needle = searchQueries.foldCase(term);
  const folded = searchQueries.foldCase(text);
  const splitsPair = (u: number) => u > 0 && u < folded.length && /[\udc00-\udfff]/.test(folded[u]!) && /[\ud800-\udbff]/.test(folded[u - 1]!);
  const out: { start: number; end: number }[] = [];
  for (let from = folded.indexOf(needle); from >= 0 && out.length < max; ) {
    const end = from + needle.length;
    if (splitsPair(from) || splitsPair(end)) {
      from = folded.indexOf(needle, from + 1);
      continue;
    }
    out.push({ start: from, end });
    from = folded.indexOf(needle, end);
  }
  return out;
}

/** The text around a match on one line, with `…` where it was cut, and the match's range inside it. */
export function snippetAround(text: string, match: { start: number; end: number }): { snippet: string; range: { start: number; end: number } } {
  let from = Math.max(0, match.start - SNIPPET_BEFORE);
  let to = Math.min(text.length, match.end + SNIPPET_AFTER);
  // Never cut a surrogate pair in two.
  if (from > 0 && /[\udc00-\udfff]/.test(text[from] ?? '')) from--;
  if (to < text.length && /[\ud800-\udbff]/.test(text[to - 1] ?? '')) to++;
  const head = from > 0 ? '…' : '';
  const tail = to < text.length ? '…' : '';
  // Whitespace becomes spaces one for one, so offsets hold.
  const body = text.slice(from, to).replace(/\s/g, ' ');
  return { snippet: `${head}${body}${tail}`, range: { start: head.length + match.start - from, end: head.length + match.end - from } };
}

export class ThreadSearchService {
  constructor(
    private readonly threads: ThreadService,
    private readonly db: Db,
  ) {}

  search(p: ThreadSearchParams): ThreadSearchResponse {
    checkTerm(p.searchTerm);
    const sortKey = p.sortKey ?? 'created_at';
    const direction = p.sortDirection ?? 'desc';
    const limit = Math.min(Math.max(1, p.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    let cursor: searchQueries.SearchCursor | null = null;
    if (p.cursor != null) {
      const c = decode(p.cursor, searchCursor);
      // A cursor belongs to one ordering; the other direction is fine (that is what backwardsCursor is for).
      if (c.s !== sortKey) throw invalidRequest(`invalid cursor: it was issued for sortKey "${c.s}", not "${sortKey}"`);
      cursor = { k: c.k, id: c.id, inc: c.inc };
    }
    const column = sortKey === 'created_at' ? 'created_at' : 'updated_at';
    const rows = searchQueries.searchContent({
      db: this.db,
      params: {
        term: p.searchTerm,
        archived: p.archived ?? false,
        sort: column,
        direction,
        limit,
        cursor,
        sourceKinds: storedSources(p.sourceKinds && p.sourceKinds.length > 0 ? p.sourceKinds : [...INTERACTIVE_SOURCE_KINDS]),
      },
    });
    const page = rows.slice(0, limit);
    const keyOf = (r: (typeof page)[number]) => (column === 'created_at' ? r.createdAt : r.updatedAt);
    const last = page.at(-1);
    const first = page[0];
    return {
      data: page.map((row) => ({ thread: this.threads.wire(this.threads.getLoaded(row.id)?.row ?? row), snippet: this.snippetOf(row.id, p.searchTerm) })),
      nextCursor: rows.length > limit && last ? encode({ s: sortKey, d: direction, k: keyOf(last), id: last.id, inc: false }) : null,
      backwardsCursor: first ? encode({ s: sortKey, d: direction === 'desc' ? 'asc' : 'desc', k: keyOf(first), id: first.id, inc: true }) : null,
    };
  }

  /** The first matching message of a thread, around its first match. */
  private snippetOf(threadId: string, term: string): string {
    const doc = searchQueries.threadDocs({ db: this.db, threadId, term, limit: 1 })[0];
    if (!doc) return '';
    const match = findMatches(doc.text, term, 1)[0];
    return match ? snippetAround(doc.text, match).snippet : doc.text.slice(0, SNIPPET_BEFORE + SNIPPET_AFTER);
  }

  occurrences(p: ThreadSearchOccurrencesParams): ThreadSearchOccurrencesResponse {
    checkTerm(p.searchTerm);
    this.threads.read(p.threadId, false); // thread <id> not found
    const limit = Math.min(Math.max(1, p.limit ?? DEFAULT_OCCURRENCES_PAGE), MAX_LIST_LIMIT);
    let offset = 0;
    if (p.cursor != null) {
      const c = decode(p.cursor, occurrencesCursor);
      if (c.t !== p.threadId || c.q !== p.searchTerm) throw invalidRequest('invalid cursor: it was issued for another thread or search term');
      offset = c.i;
    }
    const all = this.allOccurrences(p.threadId, p.searchTerm, offset + limit + 1);
    const data = all.slice(offset, offset + limit);
    return { data, nextCursor: all.length > offset + limit ? encode({ t: p.threadId, q: p.searchTerm, i: offset + limit }) : null };
  }

  /** Occurrences in message order: the indexed (completed) messages, then the running turn's answers so far. */
  private allOccurrences(threadId: string, term: string, max: number): ThreadSearchOccurrence[] {
    const cap = Math.min(max, MAX_OCCURRENCES);
    const out: ThreadSearchOccurrence[] = [];
    if (term === '') return out;
    const seen = new Set<string>();
    const add = (text: string, itemId: string, turnId: string) => {
      for (const m of findMatches(text, term, cap - out.length)) {
        const { snippet, range } = snippetAround(text, m);
        out.push({ itemId, turnId, snippet, snippetMatchRange: range, turnCursor: turnCursorAt(turnId) });
      }
    };
    // A voice line recorded outside a turn belongs with the turn started before it, or, spoken before any turn,
    // the thread's first one; a thread with no turn has no place for it. Read once, and only if needed.
    let starts: { seq: number; turnId: string }[] | null = null;
    const turnAround = (seq: number): string | null => {
      starts ??= this.threads.eventRecords(threadId, ['turn_started']).flatMap((r) => (r.turnId ? [{ seq: r.seq, turnId: r.turnId }] : []));
      let before: string | null = null;
      for (const t of starts) {
        if (t.seq > seq) break;
        before = t.turnId;
      }
      return before ?? starts[0]?.turnId ?? null;
    };
    for (const doc of searchQueries.threadDocs({ db: this.db, threadId, term })) {
      if (out.length >= cap) break;
      seen.add(doc.itemId);
      const turnId = doc.turnId ?? turnAround(doc.seq);
      if (turnId) add(doc.text, doc.itemId, turnId);
    }
    const loaded = this.threads.getLoaded(threadId);
    const running = loaded?.runningTurnId ? loaded.turns().find((t) => t.id === loaded.runningTurnId) : undefined;
    for (const item of running?.items ?? []) {
      if (out.length >= cap) break;
      if (item.type === 'agentMessage' && !seen.has(item.id)) add(item.text, item.id, running!.id);
    }
    return out;
  }
}
