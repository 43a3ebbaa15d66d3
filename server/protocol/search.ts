import { z } from 'zod';
import { opt } from './common';
import { thread, threadSourceKind } from './thread';

/** thread/search (docs/protocol.md#search): threads whose visible messages contain a literal, case-insensitive term. */
export const threadSearchParams = z.object({
  searchTerm: z.string(),
  cursor: opt(z.string()),
  limit: opt(z.number().int().min(0)),
  sortKey: opt(z.enum(['created_at', 'updated_at', 'recency_at'])),
  sortDirection: opt(z.enum(['asc', 'desc'])),
  archived: opt(z.boolean()),
  sourceKinds: opt(z.array(threadSourceKind)),
  /** Accepted; we keep no accounts' histories apart and attach no threads to parents. */
  currentAccountOnly: z.boolean().optional(),
  includeAttachedThreads: z.boolean().optional(),
});
export type ThreadSearchParams = z.infer<typeof threadSearchParams>;

export const threadSearchResult = z.object({ thread, snippet: z.string() });
export const threadSearchResponse = z.object({
  data: z.array(threadSearchResult),
  nextCursor: z.string().nullable(),
  backwardsCursor: z.string().nullable(),
});
export type ThreadSearchResponse = z.infer<typeof threadSearchResponse>;

export const threadSearchOccurrencesParams = z.object({
  threadId: z.string(),
  searchTerm: z.string(),
  cursor: opt(z.string()),
  limit: opt(z.number().int().min(0)),
});
export type ThreadSearchOccurrencesParams = z.infer<typeof threadSearchOccurrencesParams>;

/** Offsets in UTF-16 code units, `end` exclusive. */
export const threadSearchTextRange = z.object({ start: z.number().int().min(0), end: z.number().int().min(0) });
export const threadSearchOccurrence = z.object({
  itemId: z.string(),
  turnId: z.string(),
  snippet: z.string(),
  snippetMatchRange: threadSearchTextRange,
  /** An inclusive thread/turns/list cursor at the occurrence's turn. */
  turnCursor: z.string(),
});
export type ThreadSearchOccurrence = z.infer<typeof threadSearchOccurrence>;
export const threadSearchOccurrencesResponse = z.object({ data: z.array(threadSearchOccurrence), nextCursor: z.string().nullable() });
export type ThreadSearchOccurrencesResponse = z.infer<typeof threadSearchOccurrencesResponse>;
