import { tracked } from '@trpc/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerNotification } from '../protocol/notifications';
import { MAX_LIST_LIMIT, threadListParams, type Thread } from '../protocol/thread';
import type { EventMeta, Subscriber } from '../services/event-hub';
import { formatEventId, parseEventId, snapshotOf } from '../services/thread-event-log';
import { BoundedQueue } from '../util/bounded-queue';
import { procedure, router } from './init';
import { accountRouter } from './routers/account';
import { threadSettingsRouter } from './routers/thread-settings';
import { turnRouter } from './routers/turn';

/**
 * What the browser's live channel carries: a full snapshot, one notification exactly as JSON-RPC
 * sends it, or a server request (approval, dynamic tool call) to answer with `turn.respond`.
 */
export type ThreadStreamEvent =
  | { type: 'snapshot'; thread: Thread }
  | { type: 'event'; notification: ServerNotification }
  | { type: 'serverRequest'; requestId: string; method: string; params: unknown };

type Queued = { kind: 'event'; notification: ServerNotification; meta: EventMeta } | { kind: 'request'; requestId: string; method: string; params: unknown };

const SUBSCRIPTION_QUEUE_LIMIT = 10_000;

const threadRouter = router({
  list: procedure
    .input(threadListParams.pick({ cursor: true, limit: true, archived: true, searchTerm: true, sortKey: true }))
    .query(({ ctx, input }) => ctx.services.threads.list({ ...input, limit: Math.min(input.limit ?? 50, MAX_LIST_LIMIT) })),
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
   * tracked id; on reconnect tRPC sends it back as `lastEventId` and we replay exactly what was missed
   * from the ring, or send a snapshot when it fell out (architecture.md convention 3).
   */
  onEvents: procedure
    .input(z.object({ threadId: z.string(), lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const queue = new BoundedQueue<Queued>(SUBSCRIPTION_QUEUE_LIMIT);
      const threads = ctx.services.threads;
      const subscriber: Subscriber = {
        id: `trpc-${randomUUID()}`,
        // What is queued is sent later, after the publisher changed its objects (an item's text
        // grows per delta): queue the ring's snapshot, taken when the event was published.
        notify: (notification, meta) => {
          if (meta?.threadId !== input.threadId) return;
          const log = threads.getLoaded(meta.threadId)?.log;
          const logged = log?.epoch === meta.epoch ? log.at(meta.seq) : undefined;
          queue.push({ kind: 'event', notification: logged?.notification ?? snapshotOf(notification), meta });
        },
        // Approvals reach the browser in-stream; the answer comes back through turn.respond.
        // The promise never settles: the broker settles the request when any client answers.
        request: (requestId, method, params) => {
          queue.push({ kind: 'request', requestId: String(requestId), method, params: snapshotOf(params) });
          return new Promise<unknown>(() => {});
        },
      };
      const thread = threads.attach(input.threadId, subscriber);
      try {
        const epoch = thread.log.epoch;
        const last = input.lastEventId ? parseEventId(input.lastEventId) : null;
        const missed = last && last.epoch === epoch ? thread.log.since(last.seq) : null;
        let sent = thread.log.seq;
        if (missed) {
          for (const e of missed) yield tracked(formatEventId(epoch, e.seq), { type: 'event', notification: e.notification } as ThreadStreamEvent);
        } else {
          // In-progress items are live objects: copy them in the same tick as `sent` was read.
          const snapshot = snapshotOf(threads.read(input.threadId, true).thread);
          yield tracked(formatEventId(epoch, sent), { type: 'snapshot', thread: snapshot } as ThreadStreamEvent);
        }
        for (;;) {
          const next = await queue.next(signal);
          if (!next) break;
          if (next.kind === 'request') {
            const req: ThreadStreamEvent = { type: 'serverRequest', requestId: next.requestId, method: next.method, params: next.params };
            yield tracked(formatEventId(epoch, sent), req);
            continue;
          }
          if (next.meta.seq <= sent) continue;
          sent = next.meta.seq;
          yield tracked(formatEventId(epoch, next.meta.seq), { type: 'event', notification: next.notification } as ThreadStreamEvent);
        }
        if (queue.overflowed) throw new Error('subscriber fell too far behind; reconnect to resume');
      } finally {
        threads.detach(input.threadId, subscriber);
      }
    }),

  /** Connection-wide notifications (new, renamed, archived threads) for the sidebar. */
  onGlobal: procedure.subscription(async function* ({ ctx, signal }) {
    const queue = new BoundedQueue<ServerNotification>(SUBSCRIPTION_QUEUE_LIMIT);
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

export const appRouter = router({ thread: threadRouter, threadSettings: threadSettingsRouter, turn: turnRouter, account: accountRouter });
export type AppRouter = typeof appRouter;
