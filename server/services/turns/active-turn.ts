import { TurnDiffTracker } from '../../engine/tools/turn-diff';
import type { SandboxPolicy } from '../../protocol/common';
import type { TokenUsageBreakdown } from '../../protocol/notifications';
import type { ThreadItem, Turn, UserInput } from '../../protocol/turn';
import type { ThreadHandle } from '../threads/handle';

const ZERO_USAGE: TokenUsageBreakdown = { totalTokens: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 };

/**
 * A running turn: its abort switch, pending steer input, diff and usage, and the one place an item of the turn
 * starts and completes (recorded, then announced; the thread keeps the in-progress item for snapshots).
 */
export class ActiveTurn {
  readonly abort = new AbortController();
  readonly steerQueue: UserInput[][] = [];
  readonly startedMs = Date.now();
  readonly diff: TurnDiffTracker;
  usage: TokenUsageBreakdown = { ...ZERO_USAGE };
  /** turn/start's outputSchema, for every model request of this turn. */
  outputSchema: unknown = null;
  /**
   * A conversation of its own instead of the thread's (a review, docs/protocol.md#review): the model's items and tool
   * outputs go here, not into the thread's model history. Null: the thread's rollout.
   */
  history: Record<string, unknown>[] | null = null;
  /** The request's `instructions` instead of the thread's (a review). */
  instructions: string | null = null;
  /** The model's messages are not items of the turn (a review's raw answer); the last one is kept in `lastAnswer`. */
  quietMessages = false;
  /** What kind of turn refuses turn/steer (no agent loop reads steer input), as the reference's NonSteerableTurnKind. */
  notSteerable: 'review' | 'compact' | 'userShell' | null = null;
  /** The text of the last assistant message of the turn. */
  lastAnswer: string | null = null;

  constructor(
    readonly turn: Turn,
    readonly thread: ThreadHandle,
    readonly sandbox: SandboxPolicy,
  ) {
    this.diff = new TurnDiffTracker(thread.settings.cwd);
  }

  /** `startedAtMs` / `completedAtMs` are the moments the item started and ended (Unix ms), kept in the record too. */
  async startItem(item: ThreadItem, startedAtMs = Date.now()): Promise<void> {
    const { thread, turn } = this;
    thread.setLiveItem(item);
    await thread.record([{ kind: 'event', type: 'item_started', turnId: turn.id, payload: { turnId: turn.id, item, startedAtMs } }], {
      publish: [{ method: 'item/started', params: { threadId: thread.id, turnId: turn.id, item, startedAtMs } }],
    });
  }

  async completeItem(item: ThreadItem): Promise<void> {
    const { thread, turn } = this;
    const completedAtMs = Date.now();
    thread.dropLiveItem(item.id);
    await thread.record([{ kind: 'event', type: 'item_completed', turnId: turn.id, payload: { turnId: turn.id, item, completedAtMs } }], {
      publish: [{ method: 'item/completed', params: { threadId: thread.id, turnId: turn.id, item, completedAtMs } }],
    });
  }
}
