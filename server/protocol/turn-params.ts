import { z } from 'zod';
import { askForApproval, opt, reasoningEffort, sandboxPolicy } from './common';

export const MAX_INPUT_ITEMS = 64;
export const MAX_TEXT_INPUT_CHARS = 1_000_000;

export const userInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().max(MAX_TEXT_INPUT_CHARS), text_elements: z.array(z.unknown()).nullish() }),
  z.object({ type: z.literal('image'), url: z.string() }),
  z.object({ type: z.literal('localImage'), path: z.string() }),
]);
export type UserInputParam = z.infer<typeof userInput>;

const input = z.array(userInput).min(1, 'input must not be empty').max(MAX_INPUT_ITEMS);

export const turnStartParams = z.object({
  threadId: z.string(),
  input,
  cwd: opt(z.string()),
  approvalPolicy: opt(askForApproval),
  sandboxPolicy: opt(sandboxPolicy),
  model: opt(z.string()),
  effort: opt(reasoningEffort),
  summary: opt(z.enum(['auto', 'concise', 'detailed', 'none'])),
  /** A JSON Schema object the turn's final answer must follow (sent upstream as `text.format`). */
  outputSchema: opt(z.record(z.string(), z.unknown())),
});
export type TurnStartParams = z.infer<typeof turnStartParams>;

export const turnSteerParams = z.object({ threadId: z.string(), input, expectedTurnId: z.string() });
export type TurnSteerParams = z.infer<typeof turnSteerParams>;

export const turnInterruptParams = z.object({ threadId: z.string(), turnId: z.string() });

export const commandApprovalDecision = z.union([
  z.enum(['accept', 'acceptForSession', 'decline', 'cancel']),
  z.object({ acceptWithExecpolicyAmendment: z.unknown() }),
  z.object({ applyNetworkPolicyAmendment: z.unknown() }),
]);
export const approvalResponse = z.object({ decision: commandApprovalDecision });
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** Collapses the reference's amendment variants to the decision they imply. */
export function normalizeDecision(d: z.infer<typeof commandApprovalDecision>): ApprovalDecision {
  return typeof d === 'string' ? d : 'accept';
}
