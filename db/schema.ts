import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Thread metadata. `title` is what search matches: the name when set, else the preview
 * (first user message). It is a generated column so it can never disagree with its sources,
 * and it sits inside the listing indexes so a title search scans the index alone and never
 * touches rollout records. `key` is the row's integer key (its rowid, stable across VACUUM): the rowid of its
 * entry in the title index `thread_titles_fts`, so an index match reaches its row in one lookup (migration 0003).
 */
export const threads = sqliteTable(
  'threads',
  {
    key: integer('key').primaryKey(),
    id: text('id').notNull().unique(),
    name: text('name'),
    preview: text('preview').notNull().default(''),
    title: text('title').generatedAlwaysAs(sql`coalesce(name, preview)`, { mode: 'virtual' }),
    cwd: text('cwd').notNull(),
    model: text('model').notNull(),
    modelProvider: text('model_provider').notNull(),
    source: text('source').notNull(),
    cliVersion: text('cli_version').notNull(),
    gitInfo: text('git_info', { mode: 'json' }),
    forkedFromId: text('forked_from_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    archivedAt: integer('archived_at'),
  },
  (t) => [
    index('threads_by_updated').on(t.archived, t.updatedAt, t.id, t.title),
    index('threads_by_created').on(t.archived, t.createdAt, t.id, t.title),
  ],
);

/**
 * A thread's rollout: append-only records with a per-thread sequence number.
 * kind 'response_item' rebuilds the next model request; kind 'event' (turn lifecycle and
 * item snapshots) rebuilds `thread.turns`. Deltas are never stored.
 */
export const rolloutRecords = sqliteTable(
  'rollout_records',
  {
    threadId: text('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['response_item', 'event'] }).notNull(),
    type: text('type').notNull(),
    turnId: text('turn_id'),
    payload: text('payload', { mode: 'json' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.threadId, t.seq] }),
    // A thread's read receipt reads only its settled turns and read marks (db/queries/rollout.ts): a few
    // entries per thread, where its primary-key range holds every record; type and turn id are in the entry,
    // so only a read mark's row (for its payload) is ever read.
    index('rollout_receipts').on(t.threadId, t.seq, t.type, t.turnId).where(sql`kind = 'event' AND type IN ('turn_completed', 'read_mark')`),
  ],
);

/** A thread as the code sees it: `key` is the index's business alone (search.ts), never set or read elsewhere. */
export type ThreadRow = Omit<typeof threads.$inferSelect, 'key'>;
export type NewThreadRow = Omit<typeof threads.$inferInsert, 'key'>;
export type RolloutRow = typeof rolloutRecords.$inferSelect;

/**
 * Full-text search documents: the visible text of a thread (user messages, agent answers, voice
 * transcripts), one row per item. Rows are written only by triggers on `rollout_records` (migration
 * 0001), inside the transaction that appends the record, so the index can never disagree with the
 * rollout. `id` is the rowid of the contentless FTS5 table `search_docs_fts` (trigram, case-folded) that
 * indexes `text`; see docs/architecture.md#full-text-search.
 */
export const searchDocs = sqliteTable(
  'search_docs',
  {
    id: integer('id').primaryKey(),
    threadId: text('thread_id').notNull(),
    /** The rollout record (thread_id, seq) the text came from. */
    seq: integer('seq').notNull(),
    turnId: text('turn_id'),
    itemId: text('item_id').notNull(),
    /** 'user' | 'assistant'. */
    role: text('role').notNull(),
    /** 'item' (userMessage, agentMessage) | 'voice' (a voice_transcript event). */
    origin: text('origin').notNull(),
    text: text('text').notNull(),
  },
  (t) => [index('search_docs_by_thread').on(t.threadId, t.seq), index('search_docs_by_item').on(t.threadId, t.itemId)],
);

export type SearchDocRow = typeof searchDocs.$inferSelect;

/**
 * Codex rollouts brought in by `codex-web import` or live sync, one row per thread: where the file is, how far
 * it has been read (bytes of complete lines), and the parser's state at that point, so a rollout that grew
 * brings only its new lines. Written in the same transaction as the records it accounts for.
 */
export const importedRollouts = sqliteTable('imported_rollouts', {
  threadId: text('thread_id').primaryKey(),
  path: text('path').notNull(),
  offset: integer('offset').notNull(),
  lines: integer('lines').notNull(),
  malformed: integer('malformed').notNull(),
  state: text('state', { mode: 'json' }).notNull(),
  importedAt: integer('imported_at').notNull(),
});

export type ImportedRolloutRow = typeof importedRollouts.$inferSelect;
