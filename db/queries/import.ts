// The import's queries (server/services/import/importer.ts): its hot path runs once per batch of every file,
// so these are plain prepared statements, cached per handle, rather than drizzle-built queries.
import type Database from 'better-sqlite3';
import type { Db } from '../client';
import type { ImportedRolloutRow, NewThreadRow, RolloutRow } from '../schema';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function stmt(db: Db, sql: string): Database.Statement {
  let m = cache.get(db.$client);
  if (!m) cache.set(db.$client, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.$client.prepare(sql)));
  return s;
}

export function allImported({ db }: { db: Db }): ImportedRolloutRow[] {
  const rows = stmt(db, 'SELECT thread_id, path, "offset", lines, malformed, state, imported_at FROM imported_rollouts').all() as {
    thread_id: string;
    path: string;
    offset: number;
    lines: number;
    malformed: number;
    state: string;
    imported_at: number;
  }[];
  return rows.map((r) => ({ threadId: r.thread_id, path: r.path, offset: r.offset, lines: r.lines, malformed: r.malformed, state: JSON.parse(r.state) as unknown, importedAt: r.imported_at }));
}

/** One thread's import row as committed now (another process may have imported since this one read them all). */
export function getImported({ db, threadId }: { db: Db; threadId: string }): ImportedRolloutRow | undefined {
  const r = stmt(db, 'SELECT path, "offset", lines, malformed, state, imported_at FROM imported_rollouts WHERE thread_id = ?').get(threadId) as
    | { path: string; offset: number; lines: number; malformed: number; state: string; imported_at: number }
    | undefined;
  return r && { threadId, path: r.path, offset: r.offset, lines: r.lines, malformed: r.malformed, state: JSON.parse(r.state) as unknown, importedAt: r.imported_at };
}

/** How far a thread's rollout is imported as committed now; null when it is not. */
export function importedOffset({ db, threadId }: { db: Db; threadId: string }): number | null {
  return (stmt(db, 'SELECT "offset" FROM imported_rollouts WHERE thread_id = ?').pluck().get(threadId) as number | undefined) ?? null;
}

/** `stateJson`: the row's state already serialized (the import's hot path has it). */
export function putImported({ db, row, stateJson }: { db: Db; row: ImportedRolloutRow; stateJson?: string }): void {
  stmt(
    db,
    `INSERT INTO imported_rollouts (thread_id, path, "offset", lines, malformed, state, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (thread_id) DO UPDATE SET path = excluded.path, "offset" = excluded."offset", lines = excluded.lines,
       malformed = excluded.malformed, state = excluded.state, imported_at = excluded.imported_at`,
  ).run(row.threadId, row.path, row.offset, row.lines, row.malformed, stateJson ?? JSON.stringify(row.state), row.importedAt);
}

export function lastSeq({ db, threadId }: { db: Db; threadId: string }): number {
  return (stmt(db, 'SELECT max(seq) FROM rollout_records WHERE thread_id = ?').pluck().get(threadId) as number | null) ?? 0;
}

export function threadExists({ db, id }: { db: Db; id: string }): boolean {
  return stmt(db, 'SELECT 1 FROM threads WHERE id = ?').get(id) !== undefined;
}

/**
 * appendRollout's rows in one prepared statement. `payloadJson[i]`, when given, is row i's payload already as
 * JSON text (the rollout line's own, see codex-rollout.ts ImportedRecord): stored as is, not serialized again.
 */
export function appendRows({ db, rows, payloadJson = [] }: { db: Db; rows: RolloutRow[]; payloadJson?: (string | undefined)[] }): void {
  const s = stmt(db, 'INSERT INTO rollout_records (thread_id, seq, kind, type, turn_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  rows.forEach((r, i) => s.run(r.threadId, r.seq, r.kind, r.type, r.turnId, payloadJson[i] ?? JSON.stringify(r.payload), r.createdAt));
}

/** Inserts an imported thread's row, or refreshes what the rollout tells about it (a name set here is kept). */
export function upsertImportedThread({ db, row }: { db: Db; row: NewThreadRow }): void {
  stmt(
    db,
    `INSERT INTO threads (id, name, preview, cwd, model, model_provider, source, cli_version, git_info, forked_from_id, created_at, updated_at, archived, archived_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, threads.name),
       preview = CASE WHEN threads.preview = '' THEN excluded.preview ELSE threads.preview END,
       model = excluded.model, updated_at = max(threads.updated_at, excluded.updated_at),
       archived = excluded.archived, archived_at = excluded.archived_at`,
  ).run(
    row.id,
    row.name ?? null,
    row.preview ?? '',
    row.cwd,
    row.model,
    row.modelProvider,
    row.source,
    row.cliVersion,
    row.gitInfo === null || row.gitInfo === undefined ? null : JSON.stringify(row.gitInfo),
    row.createdAt,
    row.updatedAt,
    row.archived ? 1 : 0,
    row.archivedAt ?? null,
  );
}

/** Lists a thread as written by a standalone import: indexPending indexes it before the transaction commits. */
export function markPending({ db, threadId }: { db: Db; threadId: string }): void {
  stmt(db, 'INSERT OR IGNORE INTO import_pending (thread_id) VALUES (?)').run(threadId);
}

/**
 * Drops the message index triggers (`rollout_index_*`) inside the caller's open transaction and returns their SQL
 * for restoreTriggers, which the caller runs after indexPending and before it commits. DDL is transactional, so
 * no committed state (nor a killed run, which rolls back) lacks them. Even skipping the pending threads, they cost
 * the import about 2 s of every 19 (bench:search, 10,000 rollouts: 18.7–20.9 s with them, 16.2–17.9 s without).
 */
export function suspendIndexTriggers({ db }: { db: Db }): string[] {
  const rows = stmt(db, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rollout_records' AND name LIKE 'rollout\\_index\\_%' ESCAPE '\\' ORDER BY name").all() as {
    name: string;
    sql: string;
  }[];
  for (const r of rows) db.$client.exec(`DROP TRIGGER "${r.name.replace(/"/g, '""')}"`);
  return rows.map((r) => r.sql);
}

export function restoreTriggers({ db, sql }: { db: Db; sql: string[] }): void {
  for (const q of sql) db.$client.exec(q);
}

/**
 * Indexes the pending threads in bulk, inside the import's transaction before it commits: each thread's search
 * documents are rebuilt from its records by the same rules as the triggers (the migration's backfill, limited to
 * these threads). bench:search: 10,000 rollouts import in 19 s this way, 27 s through the triggers.
 */
export function indexPending({ db }: { db: Db }): void {
  stmt(db, 'DELETE FROM search_docs WHERE thread_id IN (SELECT thread_id FROM import_pending)').run();
  stmt(db, REINDEX_PENDING).run();
  stmt(db, 'DELETE FROM import_pending').run();
}

const REINDEX_PENDING = `INSERT INTO "search_docs" ("thread_id", "seq", "turn_id", "item_id", "role", "origin", "text")
SELECT "thread_id", "seq", "turn_id", "item", "role", "origin", "text" FROM (
  SELECT r."thread_id", r."seq", r."type", coalesce(r."turn_id", json_extract(r."payload", '$.turnId')) AS "turn_id",
         CASE r."type" WHEN 'voice_transcript' THEN coalesce(json_extract(r."payload", '$.itemId'), 'voice-' || r."seq") ELSE coalesce(json_extract(r."payload", '$.item.id'), json_extract(r."payload", '$.itemId')) END AS "item",
         CASE WHEN r."type" = 'voice_transcript' THEN (CASE json_extract(r."payload", '$.role') WHEN 'user' THEN 'user' ELSE 'assistant' END)
              WHEN json_extract(r."payload", '$.item.type') = 'userMessage' THEN 'user' ELSE 'assistant' END AS "role",
         CASE r."type" WHEN 'voice_transcript' THEN 'voice' ELSE 'item' END AS "origin",
         CASE WHEN r."type" = 'voice_transcript' THEN json_extract(r."payload", '$.text')
              WHEN r."type" = 'item_discarded' THEN NULL
              WHEN json_extract(r."payload", '$.item.type') = 'agentMessage' THEN json_extract(r."payload", '$.item.text')
              WHEN json_extract(r."payload", '$.item.type') = 'userMessage' THEN
                (SELECT group_concat(json_extract(c.value, '$.text'), char(10)) FROM json_each(r."payload", '$.item.content') c
                 WHERE json_extract(c.value, '$.type') = 'text')
         END AS "text",
         -- only the last record of each item counts: its final snapshot, or its discarding
         row_number() OVER (PARTITION BY r."thread_id", CASE r."type" WHEN 'voice_transcript' THEN coalesce(json_extract(r."payload", '$.itemId'), 'voice-' || r."seq") ELSE coalesce(json_extract(r."payload", '$.item.id'), json_extract(r."payload", '$.itemId')) END ORDER BY r."seq" DESC) AS "rn"
  FROM "rollout_records" r
  WHERE r."thread_id" IN (SELECT "thread_id" FROM "import_pending")
    AND r."kind" = 'event' AND r."type" IN ('item_completed', 'item_discarded', 'voice_transcript')
)
WHERE "rn" = 1 AND "item" IS NOT NULL AND typeof("text") = 'text' AND "text" <> ''
ORDER BY "thread_id", "seq"`;
