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
