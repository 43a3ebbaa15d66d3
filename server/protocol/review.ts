// review/start, thread/compact/start and thread/shellCommand params (docs/protocol.md#review).
import { z } from 'zod';

export const reviewTarget = z.discriminatedUnion('type', [
  z.object({ type: z.literal('uncommittedChanges') }),
  z.object({ type: z.literal('baseBranch'), branch: z.string().min(1) }),
  z.object({ type: z.literal('commit'), sha: z.string().min(1), title: z.string().nullish() }),
  z.object({ type: z.literal('custom'), instructions: z.string().min(1) }),
]);
export type ReviewTarget = z.infer<typeof reviewTarget>;

export const reviewStartParams = z.object({
  threadId: z.string(),
  target: reviewTarget,
  /** Only inline reviews: a detached one would start a thread of its own (the reference's `detached`). */
  delivery: z.literal('inline').nullish(),
});

export const threadCompactStartParams = z.object({ threadId: z.string() });

export const threadShellCommandParams = z.object({
  threadId: z.string(),
  command: z.string(),
  /** Milliseconds; one hour when absent; 0 times out at once. */
  timeoutMs: z.number().int().min(0).nullish(),
});
