import { z } from 'zod';
import type { ListCursor } from '../../../db/queries/threads';
import { threadSortKey, type ThreadSortKey } from '../../protocol/thread';
import { invalidRequest } from '../../protocol/errors';

const cursorShape = z.object({ s: threadSortKey, k: z.number().int(), id: z.string().min(1) });

/**
 * Opaque keyset cursor: the (sort key, id) of the last row served, plus the wire sortKey it belongs to, so a
 * `recency_at` cursor is refused under `updated_at` even though both order by the same column.
 */
export function encodeCursor(sortKey: ThreadSortKey, k: number, id: string): string {
  return Buffer.from(JSON.stringify({ s: sortKey, k, id })).toString('base64url');
}

export function decodeCursor(cursor: string, sortKey: ThreadSortKey): ListCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidRequest(`invalid cursor: ${JSON.stringify(cursor.slice(0, 64))}`);
  }
  const parsed = cursorShape.safeParse(value);
  if (!parsed.success) throw invalidRequest(`invalid cursor: ${JSON.stringify(cursor.slice(0, 64))}`);
  if (parsed.data.s !== sortKey) throw invalidRequest(`invalid cursor: it was issued for sortKey "${parsed.data.s}", not "${sortKey}"`);
  return { k: parsed.data.k, id: parsed.data.id };
}
