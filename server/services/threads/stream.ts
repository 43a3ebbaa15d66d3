// A thread's live stream with replay (docs/architecture.md#event-ring-and-replay): whoever reconnects with the
// last event id it saw gets exactly the events after it from the ring, or a snapshot when they fell out of it,
// then live events. Transports only frame what this yields (tRPC wraps each one as a tracked event).
import type { Thread } from '../../protocol/thread';
import type { ServerNotification } from '../../protocol/notifications';
import { BoundedQueue } from '../../util/bounded-queue';
import type { EventMeta, Subscriber } from '../event-hub';
import type { ThreadService } from './api';
import { formatEventId, parseEventId, snapshotOf } from './event-log';

/**
 * What the browser's live channel carries: a full snapshot, one notification exactly as JSON-RPC
 * sends it, or a server request (approval, dynamic tool call) to answer with `turn.respond`.
 */
export type ThreadStreamEvent =
  | { type: 'snapshot'; thread: Thread }
  | { type: 'event'; notification: ServerNotification }
  | { type: 'serverRequest'; requestId: string; method: string; params: unknown };

type Queued = { kind: 'event'; notification: ServerNotification; meta: EventMeta } | { kind: 'request'; requestId: string; method: string; params: unknown };

/** Events queued for one stream before it counts as hopelessly behind. */
export const STREAM_QUEUE_LIMIT = 10_000;

export class StreamOverflowError extends Error {
  constructor() {
    super('subscriber fell too far behind; reconnect to resume');
  }
}

/**
 * Subscribes `id` to the thread for as long as the caller iterates. Yields `{ id, event }`; the id is what
 * the caller sends back as `lastEventId` after a reconnect. Ends when `signal` aborts; throws
 * StreamOverflowError when the consumer fell too far behind.
 */
export async function* threadStream(
  threads: ThreadService,
  opts: { threadId: string; lastEventId: string | null | undefined; subscriberId: string; signal?: AbortSignal },
): AsyncGenerator<{ id: string; event: ThreadStreamEvent }> {
  const queue = new BoundedQueue<Queued>(STREAM_QUEUE_LIMIT);
  const subscriber: Subscriber = {
    id: opts.subscriberId,
    // What is queued is sent later, after the publisher changed its objects (an item's text
    // grows per delta): queue the ring's snapshot, taken when the event was published.
    notify: (notification, meta) => {
      if (meta?.threadId !== opts.threadId) return;
      const loaded = threads.getLoaded(meta.threadId);
      const logged = loaded?.epoch === meta.epoch ? loaded.eventAt(meta.seq) : undefined;
      queue.push({ kind: 'event', notification: logged?.notification ?? snapshotOf(notification), meta });
    },
    // Approvals reach the browser in-stream; the answer comes back through turn.respond.
    // The promise never settles: the broker settles the request when any client answers.
    request: (requestId, method, params) => {
      queue.push({ kind: 'request', requestId: String(requestId), method, params: snapshotOf(params) });
      return new Promise<unknown>(() => {});
    },
  };
  const thread = threads.attach(opts.threadId, subscriber);
  try {
    const epoch = thread.epoch;
    const last = opts.lastEventId ? parseEventId(opts.lastEventId) : null;
    const missed = last && last.epoch === epoch ? thread.eventsSince(last.seq) : null;
    let sent = thread.eventSeq;
    if (missed) {
      for (const e of missed) yield { id: formatEventId(epoch, e.seq), event: { type: 'event', notification: e.notification } };
    } else {
      // In-progress items are live objects: copy them in the same tick as `sent` was read.
      const snapshot = snapshotOf(threads.read(opts.threadId, true).thread);
      yield { id: formatEventId(epoch, sent), event: { type: 'snapshot', thread: snapshot } };
    }
    for (;;) {
      const next = await queue.next(opts.signal);
      if (!next) break;
      if (next.kind === 'request') {
        yield { id: formatEventId(epoch, sent), event: { type: 'serverRequest', requestId: next.requestId, method: next.method, params: next.params } };
        continue;
      }
      if (next.meta.seq <= sent) continue;
      sent = next.meta.seq;
      yield { id: formatEventId(epoch, next.meta.seq), event: { type: 'event', notification: next.notification } };
    }
    if (queue.overflowed) throw new StreamOverflowError();
  } finally {
    threads.detach(opts.threadId, subscriber);
  }
}
