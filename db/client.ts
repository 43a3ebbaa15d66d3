import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import { packageRoot } from '../server/util/package-root';
import { FOLD_FUNCTION } from './queries/search';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DB_FILE_NAME = 'codex-web.sqlite';

/**
 * Opens the one handle the process uses (docs/architecture.md#one-database-handle) and applies the committed
 * drizzle-kit migrations synchronously, before anything listens.
 */
export function openDb(file: string): Db {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Search's index plan reads rows at random across the file: memory-mapped reads and a larger page cache
  // keep each lookup off the syscall path (db/queries/search.ts).
  sqlite.pragma('mmap_size = 1073741824');
  sqlite.pragma('cache_size = -65536');
  // Case folding for the content search's scan plan on non-ASCII terms (db/queries/search.ts); queries only,
  // never the schema, so the file stays readable by any SQLite.
  sqlite.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: path.join(packageRoot(), 'db', 'migrations') });
  return db;
}
