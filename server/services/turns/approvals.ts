import { approvalResponse, normalizeDecision, type ApprovalDecision } from '../../protocol/turn-params';
import { log } from '../../util/log';
import type { Subscriber } from '../event-hub';
import type { LoadedThread } from '../thread-service';

interface PendingApproval {
  id: string;
  method: string;
  params: unknown;
  thread: LoadedThread;
  turnId: string;
  asked: Set<Subscriber>;
  settle: (decision: ApprovalDecision) => void;
}

/**
 * Server→client approval requests. A request goes to every subscriber of the thread that can answer
 * one; the first valid answer wins. If the asking connection goes away the request waits, and is
 * sent again to whoever subscribes next (a browser that reconnects), rather than being lost.
 */
export class ApprovalBroker {
  private readonly pending = new Map<string, PendingApproval>();
  private nextId = 0;

  constructor(private readonly onResolved: (thread: LoadedThread, requestId: string) => void) {}

  ask(thread: LoadedThread, turnId: string, method: string, params: unknown): { id: string; decision: Promise<ApprovalDecision> } {
    const id = `approval-${++this.nextId}`;
    const decision = new Promise<ApprovalDecision>((resolve) => {
      const entry: PendingApproval = {
        id,
        method,
        params,
        thread,
        turnId,
        asked: new Set(),
        settle: (d) => {
          if (!this.pending.delete(id)) return;
          resolve(d);
          this.onResolved(thread, id);
        },
      };
      this.pending.set(id, entry);
      for (const s of thread.subscribers) this.send(entry, s);
    });
    return { id, decision };
  }

  /** A subscriber joined a thread: it gets every approval still waiting there. */
  offerPending(thread: LoadedThread, subscriber: Subscriber): void {
    for (const entry of this.pending.values()) if (entry.thread === thread) this.send(entry, subscriber);
  }

  /** Ends every pending request of a turn (interrupt, turn end) with `cancel`. */
  cancelTurn(turnId: string): void {
    for (const entry of [...this.pending.values()]) if (entry.turnId === turnId) entry.settle('cancel');
  }

  hasPending(thread: LoadedThread): boolean {
    for (const entry of this.pending.values()) if (entry.thread === thread) return true;
    return false;
  }

  /** Answers from the browser (tRPC), which cannot take JSON-RPC server requests. */
  answer(requestId: string, raw: unknown): boolean {
    const entry = this.pending.get(requestId);
    const parsed = approvalResponse.safeParse(raw);
    if (!entry || !parsed.success) return false;
    entry.settle(normalizeDecision(parsed.data.decision));
    return true;
  }

  private send(entry: PendingApproval, subscriber: Subscriber): void {
    if (!subscriber.request || entry.asked.has(subscriber)) return;
    entry.asked.add(subscriber);
    subscriber.request(entry.id, entry.method, entry.params).then(
      (result) => {
        const parsed = approvalResponse.safeParse(result);
        if (parsed.success) entry.settle(normalizeDecision(parsed.data.decision));
        else log.warn(`ignoring malformed answer to ${entry.method} ${entry.id}`);
      },
      // The connection closed or answered with an error: keep waiting for another subscriber.
      () => entry.asked.delete(subscriber),
    );
  }
}
