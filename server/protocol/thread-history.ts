// Paged reads of a thread's history and its read receipt (docs/protocol.md#methods).
import { z } from 'zod';
import { opt } from './common';
import { turnItemsView, type ThreadItem, type Turn, type TurnItemsView } from './turn';

const uint = z.number().int().min(0);
const sortDirection = z.enum(['asc', 'desc']);
export type SortDirection = z.infer<typeof sortDirection>;

export { turnItemsView, type TurnItemsView };

export const threadTurnsListParams = z.object({
  threadId: z.string(),
  cursor: opt(z.string()),
  limit: opt(uint),
  sortDirection: opt(sortDirection),
  itemsView: opt(turnItemsView),
});
export type ThreadTurnsListParams = z.infer<typeof threadTurnsListParams>;

export const threadItemsListParams = z.object({
  threadId: z.string(),
  turnId: opt(z.string()),
  /** Our opaque string cursor, or the reference's exclusive item anchor (needs `turnId`). */
  cursor: opt(z.union([z.string(), z.object({ type: z.literal('item'), itemId: z.string() })])),
  limit: opt(uint),
  sortDirection: opt(sortDirection),
  deferOutput: opt(z.object({ commandExecution: opt(z.boolean()), mcpToolCall: opt(z.boolean()) })),
});
export type ThreadItemsListParams = z.infer<typeof threadItemsListParams>;

export type ListedTurn = Turn & { itemsView: TurnItemsView };

export interface ThreadTurnsListResponse {
  data: ListedTurn[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

export interface ThreadItemEntry {
  turnId: string;
  item: ThreadItem;
  startedAtMs: number | null;
  completedAtMs: number | null;
}

export interface ThreadItemsListResponse {
  data: ThreadItemEntry[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

export const threadReadStateUpdateParams = z.object({
  threadId: z.string(),
  expectedRevision: z.string(),
  operation: z.discriminatedUnion('type', [z.object({ type: z.literal('read') }), z.object({ type: z.literal('unread') })]),
});
export type ThreadReadStateUpdateParams = z.infer<typeof threadReadStateUpdateParams>;

export type ThreadUnreadPosition = { type: 'threadStart' } | { type: 'turn'; turnId: string };

export interface ThreadReadState {
  firstUnread: ThreadUnreadPosition | null;
  revision: string;
}

export const threadPageParams = z.object({ threadId: z.string(), cursor: opt(z.string()), limit: opt(uint) });
