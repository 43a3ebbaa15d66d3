import type { ServerNotification } from '../../protocol/notifications';
import type { ThreadItem } from '../../protocol/turn';
import { log } from '../../util/log';
import type { Subscriber } from '../event-hub';
import type { ThreadService } from '../threads/api';
import type { TurnRunner } from '../turns/turn-runner';

/** Typed user text mirrored into realtime is capped (about 300 tokens). */
const MIRROR_MAX_CHARS = 1200;
/** Upper bound on waiting for a started turn's `turn/started` before routing the next handoff. */
const TURN_START_WAIT_MS = 2000;

export interface DelegationEvents {
  /** A completed assistant message of a turn on the thread (each item once). */
  onAssistantMessage(text: string): void;
  /** A user message the realtime session did not send itself (typed in the thread). */
  onTypedUserText(text: string): void;
  onTurnCompleted(): void;
  /** Anything the coding agent did (keeps the idle leash from firing while it works). */
  onActivity(): void;
}

/**
 * The realtime session's link to the coding agent on the same thread (docs/realtime.md#handoff-to-the-coding-agent). Handoff text
 * starts a turn, or steers the running one, through a queue of its own, so a delegated turn never
 * holds up audio; what the turn says comes back through an internal thread subscriber.
 */
export class RealtimeDelegation implements Subscriber {
  readonly id: string;
  /** Does not keep the thread loaded: the session ends when the thread unloads. */
  readonly passive = true;
  private chain: Promise<void> = Promise.resolve();
  private readonly routed: string[] = [];
  private readonly seenMessages = new Set<string>();
  private closed = false;
  private turnStarted: { turnId: string; resolve: () => void } | null = null;

  constructor(
    private readonly threadId: string,
    private readonly threads: ThreadService,
    private readonly turns: TurnRunner,
    private readonly events: DelegationEvents,
  ) {
    this.id = `realtime-${threadId}`;
    const thread = threads.getLoaded(threadId);
    if (thread) threads.registry.subscribe(thread, this);
  }

  /** Submits `text` as user input on the thread: a new turn when idle, else a steer of the running one. */
  route(text: string): void {
    this.routed.push(text.trim());
    if (this.routed.length > 64) this.routed.shift();
    this.chain = this.chain.then(() => this.submit(text)).catch((err: unknown) => log.warn(`realtime handoff on thread ${this.threadId} failed`, err));
  }

  private async submit(text: string): Promise<void> {
    if (this.closed) return;
    const input = [{ type: 'text' as const, text }];
    const active = this.turns.activeTurn(this.threadId);
    if (active) {
      this.turns.steer({ threadId: this.threadId, input, expectedTurnId: active.turn.id });
      return;
    }
    try {
      const { turn } = await this.turns.start({ threadId: this.threadId, input }, null);
      // Let the turn build its first model request before the next handoff steers it, so a steer
      // always lands in a follow-up request (as the reference does) instead of merging into the first.
      await new Promise<void>((resolve) => {
        const fallback = setTimeout(resolve, TURN_START_WAIT_MS);
        this.turnStarted = {
          turnId: turn.id,
          resolve: () => {
            clearTimeout(fallback);
            setImmediate(resolve);
          },
        };
      });
    } catch (err) {
      // A turn started in between (typed by the user): steer it instead.
      const running = this.turns.activeTurn(this.threadId);
      if (!running) throw err;
      this.turns.steer({ threadId: this.threadId, input, expectedTurnId: running.turn.id });
    }
  }

  notify(n: ServerNotification): void {
    if (this.closed) return;
    if (n.method === 'turn/started' && n.params.turn.id === this.turnStarted?.turnId) {
      this.turnStarted.resolve();
      this.turnStarted = null;
      return;
    }
    if (n.method === 'turn/completed') {
      this.events.onTurnCompleted();
      return;
    }
    if (n.method !== 'item/completed') return;
    const item: ThreadItem = n.params.item;
    this.events.onActivity();
    if (item.type === 'agentMessage' && typeof item.text === 'string') {
      if (this.seenMessages.has(item.id)) return;
      this.seenMessages.add(item.id);
      if (this.seenMessages.size > 1024) this.seenMessages.clear();
      if (item.text.trim() !== '') this.events.onAssistantMessage(item.text);
    } else if (item.type === 'userMessage' && Array.isArray(item.content)) {
      const text = (item.content as { type: string; text?: string }[])
        .map((c) => (c.type === 'text' ? (c.text ?? '') : ''))
        .join('\n')
        .trim();
      const at = this.routed.indexOf(text);
      if (at >= 0) {
        this.routed.splice(at, 1);
        return;
      }
      if (text) this.events.onTypedUserText(text.length > MIRROR_MAX_CHARS ? text.slice(0, MIRROR_MAX_CHARS) : text);
    }
  }

  close(): void {
    this.closed = true;
    this.turnStarted?.resolve();
    this.threads.detach(this.threadId, this);
  }
}
