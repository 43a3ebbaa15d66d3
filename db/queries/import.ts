import { eq, max, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { importedRollouts, rolloutRecords, threads, type ImportedRolloutRow, type NewThreadRow } from '../schema';

export function allImported({ db }: { db: Db }): ImportedRolloutRow[] {
  return db.select().from(importedRollouts).all();
}

export function putImported({ db, row }: { db: Db; row: ImportedRolloutRow }): void {
  db.insert(importedRollouts)
    .values(row)
    .onConflictDoUpdate({
      target: importedRollouts.threadId,
      set: { path: row.path, offset: row.offset, lines: row.lines, malformed: row.malformed, state: row.state, importedAt: row.importedAt },
    })
    .run();
}

export function lastSeq({ db, threadId }: { db: Db; threadId: string }): number {
  return db.select({ m: max(rolloutRecords.seq) }).from(rolloutRecords).where(eq(rolloutRecords.threadId, threadId)).get()?.m ?? 0;
}

export function threadExists({ db, id }: { db: Db; id: string }): boolean {
  return db.select({ id: threads.id }).from(threads).where(eq(threads.id, id)).get() !== undefined;
}

/** Inserts an imported thread's row, or refreshes what the rollout tells about it. */
export function upsertImportedThread({ db, row }: { db: Db; row: NewThreadRow }): void {
  db.insert(threads)
    .values(row)
    .onConflictDoUpdate({
      target: threads.id,
      set: {
        name: sql`coalesce(excluded.name, ${threads.name})`,
        preview: sql`CASE WHEN ${threads.preview} = '' THEN excluded.preview ELSE ${threads.preview} END`,
        model: row.model,
        updatedAt: sql`max(${threads.updatedAt}, excluded.updated_at)`,
        archived: row.archived ?? false,
        archivedAt: row.archivedAt ?? null,
      },
    })
    .run();
}
