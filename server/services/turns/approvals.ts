import { approvalResponse, normalizeDecision, type ApprovalDecision } from '../../protocol/turn-params';
import { log } from '../../util/log';
import type { Subscriber } from '../event-hub';
import type { ThreadHandle } from '../threads/handle';

/** What the broker needs of a thread: who to ask, and where to say a request was resolved. */
export type AskingThread = Pick<ThreadHandle, 'id' | 'subscriberList' | 'emit'>;

interface PendingRequest {
  id: string;
  method: string;
  params: unknown;
  thread: AskingThread;
  turnId: string;
  asked: Set<Subscriber>;
  /** Accepts a client's result; false if it is not a valid answer. */
  accept: (result: unknown) => boolean;
  cancel: () => void;
}

/**
 * Server→client requests of a turn (approvals, dynamic tool calls). A request goes to every
 * subscriber of the thread that can answer one; the first valid answer wins. If the asking connection
 * goes away the request waits, and is sent again to whoever subscribes next (a browser that
 * reconnects), rather than being lost. Each answered or cancelled request emits serverRequest/resolved.
 */
export class ApprovalBroker {
  private readonly pending = new Map<string, PendingRequest>();
  private nextId = 0;

  constructor(private readonly onResolved: (thread: AskingThread, requestId: string) => void) {}

  /** Asks for approval; resolves with the decision (`cancel` if the turn ends first). */
  ask(thread: AskingThread, turnId: string, method: string, params: unknown): { id: string; decision: Promise<ApprovalDecision> } {
    const { id, result } = this.request(thread, turnId, method, params, (raw) => {
      const parsed = approvalResponse.safeParse(raw);
      return parsed.success ? normalizeDecision(parsed.data.decision) : null;
    }, 'cancel' as ApprovalDecision);
    return { id, decision: result };
  }

  /** A typed server request; `parse` returns null for an invalid answer, `onCancel` is the value if the turn ends. */
  request<T>(thread: AskingThread, turnId: string, method: string, params: unknown, parse: (raw: unknown) => T | null, onCancel: T): { id: string; result: Promise<T> } {
    const id = `req-${++this.nextId}`;
    const result = new Promise<T>((resolve) => {
      const settle = (value: T) => {
        if (!this.pending.delete(id)) return;
        resolve(value);
        this.onResolved(thread, id);
      };
      const entry: PendingRequest = {
        id,
        method,
        params,
        thread,
        turnId,
        asked: new Set(),
        accept: (raw) => {
          const value = parse(raw);
          if (value === null) return false;
          settle(value);
          return true;
        },
        cancel: () => settle(onCancel),
      };
      this.pending.set(id, entry);
      for (const s of thread.subscriberList()) this.send(entry, s);
    });
    return { id, result };
  }

  /** A subscriber joined a thread: it gets every request still waiting there. */
  offerPending(thread: AskingThread, subscriber: Subscriber): void {
    for (const entry of this.pending.values()) if (entry.thread === thread) this.send(entry, subscriber);
  }

  /** Ends every pending request of a turn (interrupt, turn end). */
  cancelTurn(turnId: string): void {
    for (const entry of [...this.pending.values()]) if (entry.turnId === turnId) entry.cancel();
  }

  /** Answers from a client that cannot take JSON-RPC server requests (the browser, over tRPC). */
  answer(requestId: string, raw: unknown): boolean {
    return this.pending.get(requestId)?.accept(raw) ?? false;
  }

  private send(entry: PendingRequest, subscriber: Subscriber): void {
    if (!subscriber.request || entry.asked.has(subscriber)) return;
    entry.asked.add(subscriber);
    subscriber.request(entry.id, entry.method, entry.params).then(
      (result) => {
        if (!entry.accept(result)) log.warn(`ignoring malformed answer to ${entry.method} ${entry.id}`);
      },
      // The connection closed or answered with an error: keep waiting for another subscriber.
      () => entry.asked.delete(subscriber),
    );
  }
}
