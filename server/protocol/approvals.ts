// Server→client approval requests and the decisions a client may answer (docs/protocol.md#server-requests).
import { z } from 'zod';
import { commandAction } from './turn';

/** A prefix of argv words: "don't ask again for commands that start with …". */
export const execPolicyAmendment = z.array(z.string().max(10_000)).min(1).max(64);

export const commandApprovalDecision = z.union([
  z.enum(['accept', 'acceptForSession', 'decline', 'cancel']),
  z.strictObject({ acceptWithExecpolicyAmendment: z.object({ execpolicy_amendment: execPolicyAmendment }) }),
  z.strictObject({ applyNetworkPolicyAmendment: z.object({ network_policy_amendment: z.object({ host: z.string(), action: z.enum(['allow', 'deny']) }) }) }),
]);
export type CommandApprovalDecision = z.infer<typeof commandApprovalDecision>;

/** `item/commandExecution/requestApproval` params as we send them. */
export const commandExecutionRequestApprovalParams = z.object({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  /** When the command's item started (Unix ms). */
  startedAtMs: z.number().int(),
  kind: z.literal('command'),
  /** We have one environment and no id for it. */
  environmentId: z.null(),
  /** The model's justification when it asks to escalate; null otherwise. */
  reason: z.string().nullable(),
  /** The item's command: the argv we run, shell-joined (`bash -c '<script>'`). */
  command: z.string(),
  cwd: z.string(),
  commandActions: z.array(commandAction),
  /** The prefix "don't ask again" would allow; null when none can be proposed. */
  proposedExecpolicyAmendment: execPolicyAmendment.nullable(),
  /** In the reference's order: accept, the amendment when proposed, cancel. */
  availableDecisions: z.array(commandApprovalDecision),
});
export type CommandExecutionRequestApprovalParams = z.infer<typeof commandExecutionRequestApprovalParams>;

export const fileChangeRequestApprovalParams = z.object({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  startedAtMs: z.number().int(),
  reason: z.string().nullable(),
  grantRoot: z.null(),
});
export type FileChangeRequestApprovalParams = z.infer<typeof fileChangeRequestApprovalParams>;
