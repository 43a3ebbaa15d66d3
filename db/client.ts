import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import { packageRoot } from '../server/util/package-root';
import { FOLD_FUNCTION, foldCase } from './queries/search';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DB_FILE_NAME = 'codex-web.sqlite';

/**
 * Opens the one handle the process uses (docs/architecture.md#one-database-handle) and applies the committed
 * drizzle-kit migrations synchronously, before anything listens.
 */
export function openDb(file: string): Db {
  const sqlite = new Database(file);
  // 16 KiB pages for a new database (a no-op on an existing one, which keeps its size): rollout payloads of a
  // few KB fit a page instead of an overflow chain, and a write commits fewer, larger frames. bench:search:
  // import 15–20% faster than with 4 KiB pages, title and content search no slower.
  sqlite.pragma('page_size = 16384');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Search's index plan reads rows at random across the file: memory-mapped reads and a larger page cache
  // keep each lookup off the syscall path (db/queries/search.ts).
  sqlite.pragma('mmap_size = 1073741824');
  sqlite.pragma('cache_size = -65536');
  // Case folding for the content search's scan plan on non-ASCII terms (db/queries/search.ts); queries only,
  // never the schema, so the file stays readable by any SQLite.
  sqlite.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldCase(value) : value));
  const db = drizzle(sqlite, { schema });
  // Foreign keys are off while migrations run, as SQLite's table rebuild requires (migration 0003 drops and
  // re-creates `threads`, which must not cascade into rollout_records); a migration that rebuilds a table
  // checks them itself before it commits (0003's last statements).
  sqlite.pragma('foreign_keys = OFF');
  migrate(db, { migrationsFolder: path.join(packageRoot(), 'db', 'migrations') });
  sqlite.pragma('foreign_keys = ON');
  return db;
}
