// thread/compact/start (docs/protocol.md#compaction): the model summarizes the conversation so far for whoever
// continues it; the thread's model history is then replaced by the user's own messages (most recent first, within
// a budget) and that summary. The rollout keeps every record; a `compacted` event marks where the replacement
// starts (threads/handle.ts replays it).
import type { ResponseItem } from './request';

export const COMPACTION_PROMPT = `You are compacting this conversation so that another assistant can pick it up where you leave off.
Write a handoff summary covering:
- what has been done so far and the decisions that were made, and why;
- what the user asked for, their constraints and preferences;
- what is still to do, as concrete next steps;
- any exact data needed to continue: file paths, commands, error messages, identifiers.
Be brief and structured. Do not call tools.`;

/** What precedes the summary in the new history, so the model reads it as a handoff rather than as the user speaking. */
export const SUMMARY_PREFIX =
  'The conversation so far was compacted. Here is the handoff summary written from it; continue the work from here, using it and the messages above:';

/** How much of the user's own words the new history keeps, most recent first (about 20k tokens). */
export const USER_MESSAGES_BUDGET_CHARS = 80_000;

function messageText(item: ResponseItem): string {
  const content = Array.isArray(item.content) ? (item.content as Record<string, unknown>[]) : [];
  return content.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
}

function isUserMessage(item: ResponseItem): boolean {
  return item.type === 'message' && item.role === 'user';
}

/** Messages we put in ourselves (an earlier summary, a user shell command's record): not the user's words. */
function isHarnessMessage(text: string): boolean {
  return text.startsWith(SUMMARY_PREFIX) || text.startsWith('<user_shell_command>') || text.startsWith('<user_action>');
}

export function compactionPromptItem(): ResponseItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text: COMPACTION_PROMPT }] };
}

/**
 * The history after compaction: the user's messages in their order (the oldest dropped first once over budget;
 * the one that crosses the budget is cut at its end), then the summary as a user message.
 */
export function replacementHistory(history: readonly unknown[], summary: string, budget = USER_MESSAGES_BUDGET_CHARS): ResponseItem[] {
  const kept: ResponseItem[] = [];
  let left = budget;
  for (let i = history.length - 1; i >= 0 && left > 0; i--) {
    const item = history[i] as ResponseItem;
    if (!isUserMessage(item)) continue;
    const text = messageText(item);
    if (isHarnessMessage(text)) continue;
    if (text.length <= left) {
      kept.unshift(item);
      left -= text.length;
    } else {
      kept.unshift({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `${text.slice(0, left)}…` }] });
      left = 0;
    }
  }
  kept.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `${SUMMARY_PREFIX}\n${summary}` }] });
  return kept;
}
