import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Thread metadata. `title` is what search matches: the name when set, else the preview
 * (first user message). It is a generated column so it can never disagree with its sources,
 * and it sits inside the listing indexes so a title search scans the index alone and never
 * touches rollout records.
 */
export const threads = sqliteTable(
  'threads',
  {
    id: text('id').primaryKey(),
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
  (t) => [primaryKey({ columns: [t.threadId, t.seq] })],
);

export type ThreadRow = typeof threads.$inferSelect;
export type NewThreadRow = typeof threads.$inferInsert;
export type RolloutRow = typeof rolloutRecords.$inferSelect;
