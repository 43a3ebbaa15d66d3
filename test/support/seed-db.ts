import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openDb } from '../../db/client';
import { insertThread } from '../../db/queries/threads';
import type { NewThreadRow } from '../../db/schema';

export type SeedThread = Partial<NewThreadRow> & Pick<NewThreadRow, 'createdAt' | 'updatedAt'>;

/**
 * Writes thread rows straight into `<home>/codex-web.sqlite` before the server starts: the one
 * in-process use of our code the tests allow (identical timestamps and bulk data cannot be made
 * through the wire). Returns the ids in insertion order.
 */
export function seedThreads(home: string, threads: SeedThread[]): string[] {
  const db = openDb(path.join(home, 'codex-web.sqlite'));
  try {
    const ids: string[] = [];
    db.$client.transaction(() => {
      for (const t of threads) {
        const row: NewThreadRow = {
          id: randomUUID(),
          preview: '',
          cwd: '/tmp',
          model: 'mock-model',
          modelProvider: 'mock_provider',
          source: 'appServer',
          cliVersion: '0.0.0-test',
          ...t,
        };
        insertThread({ db, row });
        ids.push(row.id);
      }
    })();
    return ids;
  } finally {
    db.$client.close();
  }
}
