import { tracked } from '@trpc/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerNotification } from '../protocol/notifications';
import { threadSearchOccurrencesParams, threadSearchParams } from '../protocol/search';
import { MAX_LIST_LIMIT, threadListParams } from '../protocol/thread';
import type { Subscriber } from '../services/event-hub';
import { snapshotOf } from '../services/threads/event-log';
import { STREAM_QUEUE_LIMIT, threadStream } from '../services/threads/stream';
import { BoundedQueue } from '../util/bounded-queue';
import { procedure, router } from './init';
import { accountRouter } from './routers/account';
import { realtimeRouter } from './routers/realtime';
import { threadSettingsRouter } from './routers/thread-settings';
import { turnRouter } from './routers/turn';

export type { ThreadStreamEvent } from '../services/threads/stream';

const threadRouter = router({
  list: procedure
    .input(threadListParams.pick({ cursor: true, limit: true, archived: true, searchTerm: true, sortKey: true }))
    .query(({ ctx, input }) => ctx.services.threads.list({ ...input, limit: Math.min(input.limit ?? 50, MAX_LIST_LIMIT) })),
  /** Full-text search over messages and answers (thread/search); the sidebar's "In messages". */
  search: procedure
    .input(threadSearchParams.pick({ searchTerm: true, cursor: true, limit: true, archived: true }))
    .query(({ ctx, input }) => ctx.services.search.search(input)),
  searchOccurrences: procedure.input(threadSearchOccurrencesParams).query(({ ctx, input }) => ctx.services.search.occurrences(input)),
  /** Whether the Codex CLI is writing the thread now (live sync): then it is read-only here. */
  syncState: procedure
    .input(z.object({ threadId: z.string() }))
    .query(({ ctx, input }) => ({ writtenByCodexCli: ctx.services.threads.isExternallyWritten(input.threadId) })),
  read: procedure
    .input(z.object({ threadId: z.string() }))
    .query(({ ctx, input }) => ctx.services.threads.read(input.threadId, true)),
  start: procedure
    .input(z.object({ cwd: z.string().nullish(), model: z.string().nullish() }))
    .mutation(async ({ ctx, input }) => (await ctx.services.threads.start(input, null)).thread),
  setName: procedure
    .input(z.object({ threadId: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.threads.setName(input.threadId, input.name)),
  archive: procedure.input(z.object({ threadId: z.string() })).mutation(({ ctx, input }) => ctx.services.threads.archive(input.threadId)),
  unarchive: procedure
    .input(z.object({ threadId: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.threads.unarchive(input.threadId)),

  /**
   * A thread's live events: the notifications /rpc sends, as they were when published. Each carries a
   * tracked id; on reconnect tRPC sends it back as `lastEventId` (services/threads/stream.ts replays).
   */
  onEvents: procedure
    .input(z.object({ threadId: z.string(), lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const stream = threadStream(ctx.services.threads, { threadId: input.threadId, lastEventId: input.lastEventId, subscriberId: `trpc-${randomUUID()}`, signal });
      for await (const { id, event } of stream) yield tracked(id, event);
    }),

  /** Connection-wide notifications (new, renamed, archived threads) for the sidebar. */
  onGlobal: procedure.subscription(async function* ({ ctx, signal }) {
    const queue = new BoundedQueue<ServerNotification>(STREAM_QUEUE_LIMIT);
    const subscriber: Subscriber = { id: `trpc-${randomUUID()}`, notify: (n, meta) => (meta ? undefined : queue.push(snapshotOf(n))) };
    ctx.services.hub.addConnection(subscriber);
    try {
      for (;;) {
        const next = await queue.next(signal);
        if (!next) break;
        yield next;
      }
    } finally {
      ctx.services.hub.removeConnection(subscriber);
    }
  }),
});

export const appRouter = router({ thread: threadRouter, threadSettings: threadSettingsRouter, turn: turnRouter, account: accountRouter, realtime: realtimeRouter });
export type AppRouter = typeof appRouter;
